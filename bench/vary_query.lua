-- Every request a query text of its own: a comment with the thread's number and a counter before the query.
-- Arguments after --: the path up to and including "query=", then the percent-encoded query.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  prefix, rest, counter = args[1], args[2], 0
end
function request()
  counter = counter + 1
  return wrk.format(nil, prefix .. "%23%20" .. id .. "-" .. counter .. "%0A" .. rest)
end
