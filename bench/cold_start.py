"""One cold start, run in a fresh interpreter by ``bench/run.py``; prints one JSON line.

``python bench/cold_start.py TARGET EVENT_FILE [--import-only] [--exit-at-answer]``: TARGET is
``hello`` (the
baseline skill beside this file), ``hello_dynamodb`` (the same with the SDK's DynamoDbAdapter)
or ``ours`` (``skill.alexa.lambda_function``, configured by the ``KNEE_COACH_*`` environment the
parent sets). The clock starts before the handler module is
imported and stops after the first LaunchRequest is answered; the parent also times the whole
process. Before the clock, only what the Lambda runtime itself imports before any handler is
loaded (see below), plus ``resource``; pathlib is kept out on purpose, so its cost shows where a
target imports it. ``--exit-at-answer`` ends the process the moment the answer is printed
(``os._exit``, no interpreter teardown), so that an instruction count covers exactly what the
judged wall time does.
"""

import time

_STARTED = time.perf_counter()

# What the AWS Lambda Python runtime has imported before it imports a handler: the modules
# awslambdaric 4.2.2's bootstrap, runtime client, context and log utilities import (the
# python3.12 runtime runs that bootstrap). Both targets get them, as both would on Lambda.
import decimal  # noqa: E402, F401
import enum  # noqa: E402, F401
import importlib  # noqa: E402, F401
import json  # noqa: E402
import logging  # noqa: E402, F401
import math  # noqa: E402, F401
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402, F401

_RUNTIME_READY = time.perf_counter()


def peak_rss_kb() -> int:
    """This process's peak RSS in KiB: ``VmHWM``, the high-water mark of its own memory map.

    Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries that across ``exec`` from the
    forking parent, so a child of a large parent would report the parent's size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    target, event_file = sys.argv[1], sys.argv[2]
    import_only = "--import-only" in sys.argv[3:]
    with open(event_file, encoding="utf-8") as file:
        event = json.load(file)
    started = time.perf_counter()
    cpu_started = time.process_time()
    if target in ("hello", "hello_dynamodb"):
        folder = "hello_skill" if target == "hello" else "hello_dynamodb"
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), folder))
        from lambda_function import lambda_handler  # type: ignore[import-not-found]
    else:
        from skill.alexa.lambda_function import lambda_handler
    imported = time.perf_counter()
    cpu_imported = time.process_time()
    speech = ""
    if not import_only:
        response = lambda_handler(event, None)
        speech = response["response"]["outputSpeech"]["ssml"]
    answered = time.perf_counter()
    cpu_answered = time.process_time()  # the process's CPU since it started: the interpreter too
    peak_kb = peak_rss_kb()
    result = {
        "import_ms": (imported - started) * 1000,
        "import_cpu_ms": (cpu_imported - cpu_started) * 1000,
        "cpu_to_answer_ms": cpu_answered * 1000,
        "first_ms": (answered - imported) * 1000,
        "in_process_ms": (answered - started) * 1000,
        "script_ms": (answered - _STARTED) * 1000,
        "runtime_preload_ms": (_RUNTIME_READY - _STARTED) * 1000,
        "maxrss_kb": peak_kb,
        "spoke": speech.startswith("<speak>"),
        "modules": len(sys.modules),
    }
    # Flushed at once: the parent times the whole process up to this line, which is sent
    # the moment the answer is ready (what a person waits for), not at the process's exit.
    print(json.dumps(result), flush=True)
    if "--exit-at-answer" in sys.argv[3:]:
        os._exit(0)  # what follows (module teardown, the collector's last pass) is not waited for
    return 0


if __name__ == "__main__":
    sys.exit(main())
