-- What a joiner needs, read in one atomic step.
--
-- KEYS[1]  chat:{room}:seq      the room's last Message seq
-- KEYS[2]  chat:{room}:history  the room's last Messages, oldest first
--
-- Returns { seq, { frame, ... } }: the seq of the room's last Message
-- (0 for none) and the kept frames, oldest first. Every event published
-- for the room before this script ran is in that answer (or, for a
-- Joined/Left, is no concern of the joiner); every event after it comes as
-- a push after the reply on a connection already subscribed.

local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
return { seq, redis.call('LRANGE', KEYS[2], 0, -1) }
