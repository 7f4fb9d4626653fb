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
HAVE_CONDITION = "HaveConditionIntent"
LASTING_PAIN = "LastingPainIntent"
PROVIDER_KNOWS = "ProviderKnowsIntent"
RECENT_SURGERY = "RecentSurgeryIntent"
ACUTE_SIGN = "AcuteSignIntent"
KNEE_SOUNDS = "KneeSoundsIntent"
NOT_SURE = "NotSureIntent"
MEANT_NO = "MeantNoIntent"
MEANT_YES = "MeantYesIntent"
UNDO_ANSWER = "UndoAnswerIntent"
LIGHTER = "LighterPressureIntent"
SKIP_TECHNIQUE = "SkipTechniqueIntent"
PROGRESS = "ProgressIntent"
SPEAK_SLOWER = "SpeakSlowerIntent"
SPEAK_FASTER = "SpeakFasterIntent"
NORMAL_SPEED = "NormalSpeedIntent"
SET_REMINDER = "SetReminderIntent"
REMIND_TOMORROW = "RemindTomorrowIntent"
REMINDER_TIME = "ReminderTimeIntent"
TIME_ZONE = "TimeZoneIntent"
LIST_REMINDERS = "ListRemindersIntent"
CANCEL_REMINDERS = "CancelRemindersIntent"
REPEAT_STEP = "RepeatStepIntent"
THANKS = "ThanksIntent"

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
TIME_SLOT, TIME_TYPE = "time", "AMAZON.TIME"
ZONE_SLOT, ZONE_TYPE = "zone", "TIME_ZONE"

# The one permission the skill asks for (voice permission; declared in skill-package/skill.json)
REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"

# Information topics each have their own intent; the intent name is declared with the
# topic in content/topics.yaml, so adding a topic is a content change plus utterances.
