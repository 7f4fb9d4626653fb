"""Intent and slot names: the one place they are spelled.

The interaction models, the handlers and the tests all read these names from here, so a
typo cannot make an intent silently unreachable.
"""

from __future__ import annotations

# Custom intents
START_ROUTINE = "StartRoutineIntent"
GO_TO_TECHNIQUE = "GoToTechniqueIntent"
WHERE_AM_I = "WhereAmIIntent"
SLOWER = "SlowerIntent"
FASTER = "FasterIntent"
KEEP_GOING = "KeepGoingIntent"
STEP_BY_STEP = "StepByStepIntent"
CHOOSE_SIDE = "ChooseSideIntent"
EXPLAIN = "ExplainIntent"
READ_DISCLAIMER = "ReadDisclaimerIntent"
FORGET_ME = "ForgetMeIntent"
PAIN = "PainIntent"
NOT_SURE = "NotSureIntent"
MEANT_NO = "MeantNoIntent"
MEANT_YES = "MeantYesIntent"
UNDO_ANSWER = "UndoAnswerIntent"
LIGHTER = "LighterPressureIntent"
SKIP_TECHNIQUE = "SkipTechniqueIntent"

# Built-in intents
YES = "AMAZON.YesIntent"
NO = "AMAZON.NoIntent"
PAUSE = "AMAZON.PauseIntent"
RESUME = "AMAZON.ResumeIntent"
REPEAT = "AMAZON.RepeatIntent"
NEXT = "AMAZON.NextIntent"
PREVIOUS = "AMAZON.PreviousIntent"
START_OVER = "AMAZON.StartOverIntent"
HELP = "AMAZON.HelpIntent"
STOP = "AMAZON.StopIntent"
CANCEL = "AMAZON.CancelIntent"
FALLBACK = "AMAZON.FallbackIntent"
NAVIGATE_HOME = "AMAZON.NavigateHomeIntent"

BUILT_IN = (
    YES, NO, PAUSE, RESUME, REPEAT, NEXT, PREVIOUS, START_OVER,
    HELP, STOP, CANCEL, FALLBACK, NAVIGATE_HOME,
)  # fmt: skip

# Slots and their types
ROUTINE_SLOT, ROUTINE_TYPE = "routine", "ROUTINE_NAME"
TECHNIQUE_SLOT, TECHNIQUE_TYPE = "technique", "TECHNIQUE_NAME"
SIDE_SLOT, SIDE_TYPE = "side", "KNEE_SIDE"

# Information topics each have their own intent; the intent name is declared with the
# topic in content/topics.yaml, so adding a topic is a content change plus utterances.
