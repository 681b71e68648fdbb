#!/usr/bin/env python3
"""A minimal stand-in for git-annex talking to an external special remote (protocol VERSION 2,
without ASYNC), for tests that need exact protocol lines.

    fake_annex.py [options] REQUEST...

Starts the remote, checks it greets with VERSION 2, sends each REQUEST line in turn and answers
the remote's queries (GETCONFIG from --config, GETUUID from --uuid, GETCREDS from --creds, ...).
Requests can wait for --start-after FILE to exist; a request "@wait FILE" is not sent but waits
until FILE exists. Prints the remote's reply to each request on stdout, one line per reply line (CONFIG/INFOFIELD
lines of multi-line replies included); progress, debug and other non-reply messages go to the
--log file only. After the requests it optionally waits for --hold-until FILE to exist, then
closes the remote's stdin and exits with the remote's exit status (124 on --timeout).
"""
import argparse
import os
import queue
import subprocess
import sys
import threading
import time

QUERIES_WITH_VALUE = {"GETCONFIG", "GETUUID", "GETGITDIR", "GETGITREMOTENAME", "DIRHASH",
                      "DIRHASH-LOWER", "GETSTATE", "GETWANTED"}
NOTICES = {"PROGRESS", "DEBUG", "INFO", "SETCONFIG", "SETCREDS", "SETSTATE", "SETURLPRESENT",
           "SETURLMISSING", "SETURIPRESENT", "SETURIMISSING", "SETWANTED"}
CONTINUED = {"CONFIG", "INFOFIELD", "INFOVALUE"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--program", default="git-annex-remote-dolt")
    parser.add_argument("--config", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--uuid", default="")
    parser.add_argument("--creds", default=":", metavar="USER:PASSWORD")
    parser.add_argument("--path", help="PATH for the remote (default: inherited)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for the whole run")
    parser.add_argument("--start-after", metavar="FILE",
                        help="after the greeting, wait until FILE exists before the requests")
    parser.add_argument("--hold-until", metavar="FILE",
                        help="after the requests, keep the remote running until FILE exists")
    parser.add_argument("--log", help="append the whole conversation to this file")
    parser.add_argument("requests", nargs="*")
    args = parser.parse_args()

    config = {}
    for item in args.config:
        name, _, value = item.partition("=")
        config[name] = value
    user, _, password = args.creds.partition(":")
    env = dict(os.environ)
    program = args.program
    if args.path is not None:
        env["PATH"] = args.path
        if os.sep not in program:
            found = [os.path.join(d, program) for d in os.environ["PATH"].split(os.pathsep)
                     if os.access(os.path.join(d, program), os.X_OK)]
            program = found[0] if found else program
    deadline = time.monotonic() + args.timeout
    log = open(args.log, "a") if args.log else None

    def note(direction, line):
        if log:
            log.write(f"{direction} {line}\n")
            log.flush()

    child = subprocess.Popen([program], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                             text=True, bufsize=1)
    lines = queue.Queue()

    def reader():
        for line in child.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()

    def timed_out():
        print(f"TIMEOUT after {args.timeout} s", flush=True)
        child.kill()
        child.wait()
        sys.exit(124)

    def receive():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out()
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            timed_out()
        if line is not None:
            note("<", line)
        return line

    def send(line):
        note(">", line)
        try:
            child.stdin.write(line + "\n")
            child.stdin.flush()
        except BrokenPipeError:
            pass

    def finish():
        try:
            child.stdin.close()
        except BrokenPipeError:
            pass
        try:
            status = child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out()
        sys.exit(status)

    greeting = receive()
    if greeting != "VERSION 2":
        print(f"UNEXPECTED-GREETING {greeting}", flush=True)
        finish()

    if args.start_after:
        while not os.path.exists(args.start_after):
            if time.monotonic() > deadline:
                timed_out()
            time.sleep(0.01)

    for request in args.requests:
        if request.startswith("@wait "):
            while not os.path.exists(request[len("@wait "):]):
                if time.monotonic() > deadline:
                    timed_out()
                time.sleep(0.01)
            continue
        send(request)
        while True:
            line = receive()
            if line is None:
                finish()  # the remote exited
            word = line.split(" ", 1)[0]
            if word in QUERIES_WITH_VALUE:
                if word == "GETCONFIG":
                    send("VALUE " + config.get(line.split(" ", 1)[1] if " " in line else "", ""))
                elif word == "GETUUID":
                    send("VALUE " + args.uuid)
                elif word == "GETGITDIR":
                    send("VALUE " + os.path.abspath(".git"))
                else:
                    send("VALUE ")
            elif word == "GETCREDS":
                send(f"CREDS {user} {password}")
            elif word == "GETURLS":
                send("VALUE ")
            elif word in NOTICES:
                pass
            else:
                print(line, flush=True)
                if word == "ERROR":
                    finish()
                if word not in CONTINUED:
                    break

    if args.hold_until:
        while not os.path.exists(args.hold_until):
            if time.monotonic() > deadline:
                timed_out()
            if child.poll() is not None:
                break
            time.sleep(0.05)
    finish()


if __name__ == "__main__":
    main()
