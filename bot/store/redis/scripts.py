"""The Lua scripts by which the Redis store changes state: each one atomic, and safe to repeat."""

from __future__ import annotations

from typing import Final

# KEYS: conf, pending, claimed, scheduled. ARGV: to, actor, now, id, token, from.
# The compare-and-set: only a confirmation in state `from` moves, and a pending one only on the right
# side of its expiry.
# The token makes it safe to repeat: a retry after a lost reply learns that it had already won.
DECIDE: Final = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= ARGV[6] then
  if state and redis.call('HGET', KEYS[1], 'decided_token') == ARGV[5] then return 1 end
  return 0
end
if ARGV[6] == 'pending' then
  local expires = tonumber(redis.call('HGET', KEYS[1], 'expires_at'))
  local now = tonumber(ARGV[3])
  if ARGV[1] == 'expired' then
    if expires > now then return 0 end
  elseif expires <= now then
    return 0
  end
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'actor', ARGV[2], 'decided_at', ARGV[3],
           'decided_token', ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[4])
redis.call('ZREM', KEYS[4], ARGV[4])
if ARGV[1] == 'claimed' then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4]) end
if ARGV[1] == 'scheduled' then redis.call('ZADD', KEYS[4], ARGV[3], ARGV[4]) end
return 1
"""

# KEYS: conf, claimed. ARGV: outcomes, id, token.
FINISH: Final = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'claimed' then
  if state == 'done' and redis.call('HGET', KEYS[1], 'finished_token') == ARGV[3] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'outcomes', ARGV[1], 'finished_token', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
"""


# KEYS: conf, pending. ARGV: the confirmation's fields (name, value, …), then id, expires_at, ttl.
# Adding an id that exists changes nothing.
ADD: Final = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local n = #ARGV
for i = 1, n - 3, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[n])
redis.call('ZADD', KEYS[2], ARGV[n - 1], ARGV[n - 2])
return 1
"""

# KEYS: the kind's hash. ARGV: key, expected ('' for none), new ('' to remove).
# A record carries a unique revision, so finding `new` already there means this swap already happened.
SWAP_RECORD: Final = """
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current == ARGV[2] then
  if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1])
  else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
  return 1
end
if ARGV[3] ~= '' and current == ARGV[3] then return 1 end
return 0
"""
