"""The action ids of the bot's buttons and menus: written by the messages, matched by the listeners."""

from __future__ import annotations

from typing import Final

CONFIRM: Final = "nebula_confirm"
CANCEL: Final = "nebula_cancel"
UNDO: Final = "nebula_undo"
INSTANCE_MENU: Final = "nebula_instance_menu"
LIST_MORE: Final = "nebula_list_more"
KEEP: Final = "nebula_keep"
FLEET_STOP: Final = "nebula_fleet_stop"
FLEET_DELETE: Final = "nebula_fleet_delete"
CHOOSE: Final = "nebula_choose"  # "Which one?": the button runs the command with the chosen id
PICK: Final = "nebula_pick"  # the menu a verb without an instance offers
HOME_MENU: Final = "nebula_home_menu"  # an instance's ⋯ menu on the Home tab
ACT_ON_MESSAGE: Final = "nebula_act_on_message"  # the message shortcut's callback id
LAUNCH: Final = "nebula_launch"  # a launch's confirmation: create it
CANCEL_LAUNCH: Final = "nebula_cancel_launch"
HOME_LAUNCH: Final = "nebula_home_launch"  # the Home tab's "Launch a GPU": opens the launch form
