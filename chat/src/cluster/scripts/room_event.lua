-- One room event, atomically: number it, keep it, publish it.
--
-- KEYS[1]  chat:{room}:seq      the room's last Message seq (a string integer)
-- KEYS[2]  chat:{room}:history  the room's last Messages, oldest first
-- ARGV[1]  chat:{room}          the room's shard channel
-- ARGV[2]  "message" or "event"
-- ARGV[3]  the payload up to the seq field (a whole payload for an event)
-- ARGV[4]  the payload after the seq field (empty for an event)
-- ARGV[5]  how many Messages the history keeps
--
-- A "message" gets the next seq, spliced into the payload as a LEB128
-- varint, and goes into the history; an "event" (Joined, Left) is
-- published as it is, between the messages around it. Either way the
-- published bytes are a whole frame (4-byte big-endian length, then the
-- payload), byte for byte what every member receives. Returns the seq of
-- the room's last Message after this event.
--
-- Lua numbers are doubles: seq stays exact up to 2^53.

local function varint(n)
  local bytes = {}
  while n >= 128 do
    bytes[#bytes + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  bytes[#bytes + 1] = string.char(n)
  return table.concat(bytes)
end

local function frame(payload)
  local n = #payload
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256) .. payload
end

local seq
local bytes
if ARGV[2] == 'message' then
  seq = redis.call('INCR', KEYS[1])
  bytes = frame(ARGV[3] .. varint(seq) .. ARGV[4])
  redis.call('RPUSH', KEYS[2], bytes)
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
elseif ARGV[2] == 'event' then
  seq = tonumber(redis.call('GET', KEYS[1]) or '0')
  bytes = frame(ARGV[3])
else
  return redis.error_reply('ERR room_event: kind must be message or event')
end
redis.call('SPUBLISH', ARGV[1], bytes)
return seq
