"""`/nebula help`, or `/nebula` alone: every word, from the specs."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.commands import CommandSet, Words, word
from bot.domain.commands import Command
from bot.domain.policy import Actor
from bot.slack.messages.help import help_message
from bot.slack.messages.kit import Message


@dataclass(frozen=True)
class Help(Command):
    """`/nebula help`."""

    def text(self) -> str:
        return "help"


class HelpWords(CommandSet):
    """help."""

    def __init__(self, *, words: Words) -> None:
        self._words = words

    @word(
        "help",
        usage="help",
        example="help",
        parse=lambda verb, args: Help(),  # whatever follows ("help me"): the help
        rank=100,
        admit=False,
        writes=False,
        bare=True,
    )
    def help(self, actor: Actor, command: Help) -> Message:
        """this message"""
        return help_message(self._words.lines(), self._words.example)
