"""`nebula-bot shell` on a terminal: lines are read in the main thread (where Ctrl-C arrives and readline
edits the line), while the session's event loop runs in a thread of its own.

Ctrl-C at the prompt clears the line; Ctrl-C while the bot works stops waiting for it (it goes on);
Ctrl-D leaves. From a pipe, the session runs in the main thread and reads stdin line by line.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import signal
import sys
import threading
from typing import Final

from bot.shell.lines import EXIT_INTERRUPTED, shell
from bot.shell.options import ShellOptions
from bot.shell.session import INTERRUPT, Session

POLL: Final = 0.1  # how often the main thread looks whether the session has ended
WAKE_EVERY: Final = 0.2  # how often an ended session nudges a read nobody waits for


class Terminal:
    """Hands prompts from the session's loop to the main thread, and the lines typed back."""

    def __init__(self) -> None:
        self._asked: queue.Queue[tuple[str, asyncio.AbstractEventLoop, asyncio.Future[str | None]]] = (
            queue.Queue()
        )
        self.session: Session | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the session's, once it has asked for a line
        self.reading = threading.Event()  # the main thread is in input()
        self._idle = threading.Event()  # ... and this is its opposite, to wait on
        self._idle.set()

    async def read(self, prompt: str) -> str | None:
        """The session's reader: a line typed at `prompt`, INTERRUPT for Ctrl-C, None for Ctrl-D."""
        loop = asyncio.get_running_loop()
        typed: asyncio.Future[str | None] = loop.create_future()
        self._asked.put((prompt, loop, typed))
        return await typed

    def serve(self, ended: threading.Event) -> None:
        """In the main thread, until the session ends: prompt, read, and pass Ctrl-C on."""
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401 - importing it gives input() history and line editing
        while not ended.is_set():
            try:
                prompt, loop, typed = self._asked.get(timeout=POLL)
            except queue.Empty:
                continue
            except KeyboardInterrupt:  # Ctrl-C while the bot works: stop waiting for it
                print(file=sys.stdout, flush=True)
                if self.session is not None and self._loop is not None:
                    self._loop.call_soon_threadsafe(self.session.interrupted.set)
                continue
            self._loop = loop
            if typed.done():  # the session stopped waiting for this line (it was cancelled)
                continue
            line: str | None
            self._idle.clear()
            self.reading.set()
            if ended.is_set():  # ended meanwhile: its wake() may have looked before reading was set
                self.reading.clear()
                self._idle.set()
                break
            try:
                line = input(prompt)
            except KeyboardInterrupt:
                print(file=sys.stdout, flush=True)  # the line is dropped, as shells do
                line = INTERRUPT
            except EOFError:
                print(file=sys.stdout, flush=True)  # Ctrl-D leaves on a line of its own
                line = None
            finally:
                self.reading.clear()
                self._idle.set()
            if not ended.is_set():
                loop.call_soon_threadsafe(_answer, typed, line)

    def wake(self) -> None:
        """From the session's thread once it has ended: end a read nobody waits for any more."""
        main = threading.main_thread().ident
        while self.reading.is_set() and main is not None:
            # Ctrl-C is how a read in the main thread ends; readline misses a signal arriving while
            # it handles a key, hence again until the read has ended.
            signal.pthread_kill(main, signal.SIGINT)
            self._idle.wait(WAKE_EVERY)


def _answer(typed: asyncio.Future[str | None], line: str | None) -> None:
    if not typed.done():
        typed.set_result(line)


def run_shell(options: ShellOptions) -> int:
    """Run `nebula-bot shell`: on a terminal with line editing and Ctrl-C, else from the pipe."""
    if not sys.stdin.isatty():
        try:
            return asyncio.run(shell(options))
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
    # Ctrl-C is how the person (and `wake`) ends a read: even when the shell was started where SIGINT
    # is ignored (from `nohup`, or a script's background job), it must raise KeyboardInterrupt here.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    terminal = Terminal()
    ended = threading.Event()
    result: list[int] = []

    def keep(session: Session) -> None:
        terminal.session = session

    def session_thread() -> None:
        # Ctrl-C must interrupt the main thread's read: this thread, and every thread it starts
        # (they inherit the mask), never takes SIGINT.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            result.append(asyncio.run(shell(options, read=terminal.read, on_session=keep)))
        finally:
            ended.set()
            terminal.wake()

    worker = threading.Thread(target=session_thread, name="nebula-shell", daemon=True)
    worker.start()
    terminal.serve(ended)
    worker.join()
    return result[0] if result else 1
