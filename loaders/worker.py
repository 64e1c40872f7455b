"""A worker process of a parallel load (loaders/parallel.py; loaders/runner.py, "Worker processes").

Started as `python -m loaders.worker <fd>` by `run_load`; reads one pickled task from stdin —
the loader's name, the files of its part and the load context — and writes framed pickled
messages (`loaders.parallel.send_message`) to the pipe `fd`, a channel of its own that no stray print
can corrupt: ("items", position, nodes, edges) per batch of a file as it is read and ("file",
position, report, nodes, edges) at its end, then ("state", aggregates), or
("crash", traceback) if anything unexpected happens.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback

from graph.runtime import tune_gc
from loaders.parallel import send_message
from loaders.runner import work


def main() -> None:
    channel = os.fdopen(int(sys.argv[1]), "wb")
    tune_gc()  # a keytrail process (graph/runtime.py)
    try:
        name, files, ctx = pickle.load(sys.stdin.buffer)
        work(name, files, ctx, lambda message: send_message(channel, message))
    except BaseException:  # anything unexpected: the main process reports it and stops the load
        send_message(channel, ("crash", traceback.format_exc()))
    # Everything is sent (send_message flushes): end now rather than tear down the aggregates
    # object by object, which the main process, waiting for this exit, would pay for.
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
