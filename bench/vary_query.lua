-- Every request a query text of its own: a comment with the run's start time, the thread's number and a counter
-- before the query (the time keeps a second run on the same server from repeating the first one's texts).
-- Arguments after --: the path up to and including "query=", then the percent-encoded query.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  prefix, rest, counter, run = args[1], args[2], 0, os.time()
end
function request()
  counter = counter + 1
  return wrk.format(nil, prefix .. "%23%20" .. run .. "-" .. id .. "-" .. counter .. "%0A" .. rest)
end
