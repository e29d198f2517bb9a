// `npm run bench:streams` only: preloaded into the measured server (`--require`, with `--expose-gc`) to report the
// live JS heap on request. RSS also holds what V8 has not yet collected or returned to the system after the
// streams' opening burst; the live heap after a full collection is what the open streams themselves keep.
'use strict';
process.on('message', (message) => {
  if (message !== 'live-heap' || typeof global.gc !== 'function') return;
  global.gc();
  global.gc();
  process.send({ liveHeapBytes: process.memoryUsage().heapUsed });
});
