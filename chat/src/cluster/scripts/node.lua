#!lua name=chat
-- The cluster's shared state: every write to it is one call of a function
-- of this library, loaded with FUNCTION LOAD REPLACE and called as
--   FCALL chat_<op> numkeys KEYS... ARGV...
-- Redis runs a function to its end before any other command, so each op
-- is atomic: a room's events have the one order in which their functions
-- ran, and two nodes racing (two reapers, two claims of one nick) cannot
-- interleave. The library's body runs once, at load; a call runs only its
-- function.
--
-- Keys (see chat::cluster's docs for the whole table):
--   chat:{room}:seq        string  seq of the room's last Message
--   chat:{room}:history    list    the last HISTORY_LEN Message frames
--   chat:{room}:members    hash    folded nick -> nick, cluster-wide
--   chat:{room}            channel every frame for the room, in order
--   chat:rooms             hash    room -> member count (ListRooms)
--   chat:nicks             hash    folded nick -> "node conn nick"
--   chat:nodes             set     node ids with a record
--   chat:node:{id}:alive   string  the heartbeat, with a TTL
--   chat:node:{id}:users   hash    conn -> "nick room room ..."
--   chat:node:{id}:reaped  string  set when another node reaped this one
--   chat:node:{id}         channel whispers for the node's clients
--
-- Frames are built here in chat::fmt::binary's encoding (postcard's):
-- a 4-byte big-endian length, the variant index as a varint, then each
-- field (a string is its length as a varint, then its bytes; an integer is
-- a varint). Lua numbers are doubles: seq and times stay exact up to 2^53.

local HISTORY_LEN = 32
local TAG_WHISPERED, TAG_JOINED, TAG_LEFT, TAG_RENAMED = 2, 3, 4, 5

local function varint(n)
  local bytes = {}
  while n >= 128 do
    bytes[#bytes + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  bytes[#bytes + 1] = string.char(n)
  return table.concat(bytes)
end

local function str(s)
  return varint(#s) .. s
end

local function frame(payload)
  local n = #payload
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256) .. payload
end

local function room_key(room, what)
  return 'chat:{' .. room .. '}:' .. what
end

local function channel(room)
  return 'chat:{' .. room .. '}'
end

local function node_key(node, what)
  return 'chat:node:{' .. node .. '}:' .. what
end

local function words(s)
  local out = {}
  for w in string.gmatch(s, '%S+') do
    out[#out + 1] = w
  end
  return out
end

-- A user's record on its node: its nick, then its rooms.
local function record(node, conn)
  local rec = redis.call('HGET', node_key(node, 'users'), conn)
  if not rec then
    return nil
  end
  local w = words(rec)
  local nick = table.remove(w, 1)
  return nick, w
end

-- The record of a user the node says it has; an error reply otherwise
-- (the node's view and Redis's disagree: the op must not guess).
local function user(node, conn)
  local nick, rooms = record(node, conn)
  if not nick then
    error(redis.error_reply('ERR no such user: ' .. node .. ' ' .. conn))
  end
  return nick, rooms
end

local function set_record(node, conn, nick, rooms)
  redis.call('HSET', node_key(node, 'users'), conn, table.concat({ nick, unpack(rooms) }, ' '))
end

-- The seq of the room's last Message and its history, oldest first.
local function history(room)
  local seq = tonumber(redis.call('GET', room_key(room, 'seq')) or '0')
  return seq, redis.call('LRANGE', room_key(room, 'history'), 0, -1)
end

-- Adds nick to room's members (and the room to the list of rooms).
local function add_member(room, nick)
  if redis.call('HSET', room_key(room, 'members'), string.lower(nick), nick) == 1 then
    redis.call('HINCRBY', 'chat:rooms', room, 1)
  end
end

-- Adds nick to room's members and publishes Joined; returns the reply a
-- joiner needs: { seq, { history... }, joined frame }.
local function join(room, nick)
  local seq, hist = history(room)
  local joined = frame(varint(TAG_JOINED) .. str(room) .. str(nick))
  add_member(room, nick)
  redis.call('SPUBLISH', channel(room), joined)
  return { seq, hist, joined }
end

-- Publishes Left and removes nick from room; an empty room is deleted
-- with its history.
local function leave(room, nick)
  local left = frame(varint(TAG_LEFT) .. str(room) .. str(nick))
  redis.call('SPUBLISH', channel(room), left)
  if redis.call('HDEL', room_key(room, 'members'), string.lower(nick)) == 1 then
    if redis.call('HINCRBY', 'chat:rooms', room, -1) <= 0 then
      redis.call('HDEL', 'chat:rooms', room)
      redis.call('DEL', room_key(room, 'seq'), room_key(room, 'history'), room_key(room, 'members'))
    end
  end
  return left
end

-- Forgets one user of a node: Left in each of its rooms, its nick freed
-- (if it still owns it), its record gone.
local function depart(node, conn)
  local nick, rooms = record(node, conn)
  if not nick then
    return 0
  end
  for _, room in ipairs(rooms) do
    leave(room, nick)
  end
  local folded = string.lower(nick)
  if redis.call('HGET', 'chat:nicks', folded) == node .. ' ' .. conn .. ' ' .. nick then
    redis.call('HDEL', 'chat:nicks', folded)
  end
  redis.call('HDEL', node_key(node, 'users'), conn)
  return 1
end

redis.register_function('chat_message', function(KEYS, ARGV)
  -- KEYS: seq, history, members. ARGV: channel, payload head, payload
  -- tail. The next seq is spliced between head and tail as a varint.
  -- Returns { seq, frame }. A room without members (deleted, say by a
  -- reap, while the Say was on its way) is not brought back.
  if redis.call('EXISTS', KEYS[3]) == 0 then
    return redis.error_reply('ERR message: no such room')
  end
  local seq = redis.call('INCR', KEYS[1])
  local bytes = frame(ARGV[2] .. varint(seq) .. ARGV[3])
  redis.call('RPUSH', KEYS[2], bytes)
  redis.call('LTRIM', KEYS[2], -HISTORY_LEN, -1)
  redis.call('SPUBLISH', ARGV[1], bytes)
  return { seq, bytes }
end)

redis.register_function('chat_event', function(KEYS, ARGV)
  -- KEYS: seq. ARGV: channel, a whole payload, published as it is.
  redis.call('SPUBLISH', ARGV[1], frame(ARGV[2]))
  return tonumber(redis.call('GET', KEYS[1]) or '0')
end)

redis.register_function('chat_history', function(KEYS, ARGV)
  -- KEYS: seq, history. Returns { seq, { frames... } }.
  local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
  return { seq, redis.call('LRANGE', KEYS[2], 0, -1) }
end)

redis.register_function('chat_hello', function(KEYS, ARGV)
  -- ARGV: node, conn, nick, first room. Claims the nick and joins the
  -- room. Returns { 0 } when the nick is taken, else { 1, join reply }.
  local node, conn, nick, room = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
  if redis.call('HSETNX', 'chat:nicks', string.lower(nick), node .. ' ' .. conn .. ' ' .. nick) == 0 then
    return { 0 }
  end
  set_record(node, conn, nick, { room })
  return { 1, join(room, nick) }
end)

redis.register_function('chat_join', function(KEYS, ARGV)
  -- ARGV: node, conn, room. Returns the join reply.
  local node, conn, room = ARGV[1], ARGV[2], ARGV[3]
  local nick, rooms = user(node, conn)
  rooms[#rooms + 1] = room
  set_record(node, conn, nick, rooms)
  return join(room, nick)
end)

redis.register_function('chat_leave', function(KEYS, ARGV)
  -- ARGV: node, conn, room. Returns the Left frame.
  local node, conn, room = ARGV[1], ARGV[2], ARGV[3]
  local nick, rooms = user(node, conn)
  local kept = {}
  for _, r in ipairs(rooms) do
    if r ~= room then
      kept[#kept + 1] = r
    end
  end
  set_record(node, conn, nick, kept)
  return leave(room, nick)
end)

redis.register_function('chat_depart', function(KEYS, ARGV)
  -- ARGV: node, conn.
  return depart(ARGV[1], ARGV[2])
end)

redis.register_function('chat_rename', function(KEYS, ARGV)
  -- ARGV: node, conn, new nick, token. Returns 0 when the nick is taken,
  -- else the Renamed frame, also published to each of the user's rooms
  -- with the token after it, so that a node delivers it once per client.
  local node, conn, new, token = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
  local old, rooms = user(node, conn)
  local old_folded, new_folded = string.lower(old), string.lower(new)
  if new_folded ~= old_folded and redis.call('HEXISTS', 'chat:nicks', new_folded) == 1 then
    return 0
  end
  redis.call('HDEL', 'chat:nicks', old_folded)
  redis.call('HSET', 'chat:nicks', new_folded, node .. ' ' .. conn .. ' ' .. new)
  set_record(node, conn, new, rooms)
  local renamed = frame(varint(TAG_RENAMED) .. str(old) .. str(new))
  for _, room in ipairs(rooms) do
    redis.call('HDEL', room_key(room, 'members'), old_folded)
    redis.call('HSET', room_key(room, 'members'), new_folded, new)
    redis.call('SPUBLISH', channel(room), renamed .. token)
  end
  return renamed
end)

redis.register_function('chat_whisper', function(KEYS, ARGV)
  -- ARGV: node, conn, sender's nick, recipient's nick (any case), text,
  -- time. Returns 0 when no such user, else the Whispered frame, also
  -- published to the recipient's node unless the sender whispers to
  -- itself (its node delivers that one from the reply).
  local node, conn, from, to, text, time = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  local entry = redis.call('HGET', 'chat:nicks', string.lower(to))
  if not entry then
    return 0
  end
  local w = words(entry)
  local to_node, to_conn, to_nick = w[1], w[2], w[3]
  local bytes = frame(varint(TAG_WHISPERED) .. str(from) .. str(to_nick) .. str(text)
    .. varint(tonumber(time)))
  if not (to_node == node and to_conn == conn) then
    redis.call('SPUBLISH', 'chat:node:{' .. to_node .. '}', to_conn .. ' ' .. bytes)
  end
  return bytes
end)

redis.register_function('chat_start', function(KEYS, ARGV)
  -- ARGV: node, ttl in ms. A node's first connection: refused (0) while
  -- another live node has the id; else the heartbeat starts, and what a
  -- dead process with the same id left behind departs. Returns 1.
  local node, ttl = ARGV[1], ARGV[2]
  if redis.call('EXISTS', node_key(node, 'alive')) == 1 then
    return 0
  end
  redis.call('SET', node_key(node, 'alive'), '1', 'PX', ttl)
  redis.call('SADD', 'chat:nodes', node)
  for _, conn in ipairs(redis.call('HKEYS', node_key(node, 'users'))) do
    depart(node, conn)
  end
  redis.call('DEL', node_key(node, 'reaped'))
  return 1
end)

redis.register_function('chat_beat', function(KEYS, ARGV)
  -- ARGV: node, ttl in ms. Refreshes the heartbeat. Returns the reap
  -- mark: 0, or the count of the reaps since the node last cleared it (its
  -- users are gone from Redis): it re-asserts them, then clears the mark
  -- with chat_unreaped and that count.
  local node, ttl = ARGV[1], ARGV[2]
  redis.call('SET', node_key(node, 'alive'), '1', 'PX', ttl)
  redis.call('SADD', 'chat:nodes', node)
  return tonumber(redis.call('GET', node_key(node, 'reaped')) or '0')
end)

redis.register_function('chat_unreaped', function(KEYS, ARGV)
  -- ARGV: node, the mark its re-assertion answered. A reap since then
  -- (the mark moved on) keeps the mark, for the next beat to see.
  local mark = node_key(ARGV[1], 'reaped')
  if redis.call('GET', mark) == ARGV[2] then
    redis.call('DEL', mark)
  end
  return 1
end)

redis.register_function('chat_reap', function(KEYS, ARGV)
  -- ARGV: the calling node. Every other node without a heartbeat loses
  -- its users (Left to their rooms, nicks freed) and its record. Returns
  -- the number of users reaped.
  local me = ARGV[1]
  local reaped = 0
  for _, node in ipairs(redis.call('SMEMBERS', 'chat:nodes')) do
    if node ~= me and redis.call('EXISTS', node_key(node, 'alive')) == 0 then
      local users = redis.call('HKEYS', node_key(node, 'users'))
      for _, conn in ipairs(users) do
        reaped = reaped + depart(node, conn)
      end
      redis.call('DEL', node_key(node, 'users'))
      redis.call('SREM', 'chat:nodes', node)
      redis.call('INCR', node_key(node, 'reaped'))
      redis.call('EXPIRE', node_key(node, 'reaped'), 86400)
    end
  end
  return reaped
end)

redis.register_function('chat_leave_cluster', function(KEYS, ARGV)
  -- ARGV: node. A node that stops: every user departs, the record goes.
  local node = ARGV[1]
  for _, conn in ipairs(redis.call('HKEYS', node_key(node, 'users'))) do
    depart(node, conn)
  end
  redis.call('DEL', node_key(node, 'users'), node_key(node, 'alive'))
  redis.call('SREM', 'chat:nodes', node)
  return 1
end)

redis.register_function('chat_sync', function(KEYS, ARGV)
  -- ARGV: node, conn... (the users the node has). After Redis came back:
  -- every other user of the node's record departs (it left while Redis
  -- was away, or its depart was lost with the connection).
  local node = ARGV[1]
  local live = {}
  for i = 2, #ARGV do
    live[ARGV[i]] = true
  end
  local gone = 0
  for _, conn in ipairs(redis.call('HKEYS', node_key(node, 'users'))) do
    if not live[conn] then
      gone = gone + depart(node, conn)
    end
  end
  return gone
end)

redis.register_function('chat_reassert', function(KEYS, ARGV)
  -- ARGV: node, conn, nick, rooms... After Redis came back (or reaped
  -- this node): the user's nick, record and memberships are written
  -- again. When the node was reaped, the other members were told the user
  -- left, so each room that had lost it gets a Joined; after a Redis
  -- restart nobody was told anything, and the memberships come back
  -- silently. Returns 0 when another user holds the nick now.
  local node, conn, nick = ARGV[1], ARGV[2], ARGV[3]
  local folded = string.lower(nick)
  local mine = node .. ' ' .. conn .. ' ' .. nick
  local owner = redis.call('HGET', 'chat:nicks', folded)
  if owner and owner ~= mine then
    return 0
  end
  redis.call('HSET', 'chat:nicks', folded, mine)
  local rooms = {}
  for i = 4, #ARGV do
    rooms[#rooms + 1] = ARGV[i]
  end
  set_record(node, conn, nick, rooms)
  local reaped = redis.call('EXISTS', node_key(node, 'reaped')) == 1
  for _, room in ipairs(rooms) do
    if redis.call('HEXISTS', room_key(room, 'members'), folded) == 0 then
      if reaped then
        join(room, nick)
      else
        add_member(room, nick)
      end
    end
  end
  return 1
end)

redis.register_function('chat_restore_room', function(KEYS, ARGV)
  -- ARGV: room, the seq of its last Message a node saw, that node's copy
  -- of its history (frames, oldest first). After a Redis restart the
  -- room's seq and history are put back unless Redis has newer ones.
  local room, seq = ARGV[1], ARGV[2]
  local have = tonumber(redis.call('GET', room_key(room, 'seq')) or '0')
  if have >= tonumber(seq) then
    return 0
  end
  redis.call('SET', room_key(room, 'seq'), seq)
  redis.call('DEL', room_key(room, 'history'))
  for i = 3, #ARGV do
    redis.call('RPUSH', room_key(room, 'history'), ARGV[i])
  end
  return 1
end)
