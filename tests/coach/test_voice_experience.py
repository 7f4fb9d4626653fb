"""Issue 11's rules for what the coach says, checked over every phase and both safety styles.

The conversations themselves are in ``tests/dialogs/`` (pain, unsure, undo, resume, relaunch);
the budgets in ``tests/test_speech_budget.py``. Here: the rules that must hold everywhere,
which a dialog could only sample.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable

import pytest
from conftest import styled
from test_coach import events, phase_states, walk

from skill.coach import machine as coach
from skill.coach.events import Event, On
from skill.coach.state import ADVISED, IDLE, NEW, ROUTINE, SAFETY, SIDE, Memory, State
from skill.coach.state import fresh_state as fresh
from skill.content.records import Content
from skill.local.simulator import Conversation
from skill.voice.reply import Pause

STYLES = ("questions", "statements")
_SAYS = re.compile(r"\bsay ([a-z' ]+?)(?:,| or |\.|$)")


def _sentences(text: str) -> list[str]:
    return [s.strip().lower() for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]


def _commands(text: str) -> list[str]:
    """The things a reply tells the person to say ("say resume to ...", "say next")."""
    return [m.split(" to ")[0].strip() for m in _SAYS.findall(text.lower())]


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("style", STYLES)
def test_help_says_each_thing_once_in_every_phase(content: Content, style: str) -> None:
    said = styled(content, style)
    for name, state in phase_states(said):
        _, reply = walk(said, state, On.HELP)
        sentences = _sentences(reply.text)
        assert len(sentences) == len(set(sentences)), (name, reply.text)
        commands = [c for c in _commands(reply.text) if c]
        repeated = [c for c, n in Counter(commands).items() if n > 1]
        assert not repeated, (name, repeated, reply.text)
        assert not reply.end_session and reply.reprompt, name


# --------------------------------------------------------------------------- topics


@pytest.mark.parametrize("phase", [NEW, IDLE, ADVISED])
def test_a_topics_closing_suggestion_never_suggests_that_topic(
    content: Content, phase: str
) -> None:
    start = {
        NEW: State(),
        IDLE: walk(content, State(), Event(On.TOPIC, "benefits"))[0],
        ADVISED: walk(content, State(), On.LAUNCH, On.YES)[0],
    }[phase]
    suggested = dict(content.suggestions)
    for topic in content.topics:
        _, reply = walk(content, start, Event(On.TOPIC, topic.id))
        closing = reply.text.split(content.prompt("health_note"))[-1]
        if topic.id in suggested:
            assert suggested[topic.id] not in closing, (phase, topic.id, closing)
        assert any(phrase in closing for phrase in suggested.values()), closing


# --------------------------------------------------------------------------- pain


def _pain_phrases() -> list[str]:
    return ["pain", "hurt", "sore", "ouch"]


@pytest.mark.parametrize("style", STYLES)
def test_pain_is_understood_in_every_phase_and_never_starts_a_hold(
    content: Content, style: str
) -> None:
    said = styled(content, style)
    for name, state in phase_states(said):
        if state.pending:
            continue  # "forget me?" is asked first; pain is then a fresh request
        new, reply = walk(said, state, On.PAIN)
        assert not any(isinstance(p, Pause) for p in reply.parts), name
        assert "healthcare provider" in reply.text, (name, reply.text)
        assert content.prompt("fallback") not in reply.text
        if state.phase == ROUTINE:
            assert new.phase == ROUTINE and new.paused
            assert "lighter" in reply.text and "skip this technique" in reply.text
        elif _asks_about_lasting_pain(said, state):
            # "my knee hurts" to "any ongoing knee pain?" tells of the pain they live with
            assert new.phase == SAFETY and new.follow == "provider", name
            assert "does a healthcare provider know about it" in reply.text.lower()
        else:
            assert new.phase == ADVISED, name
            assert "better not to massage a painful knee today" in reply.text
        # Nothing about it in what goes to Alexa and back as session attributes.
        dumped = json.dumps(new.to_dict()).lower()
        assert not any(word in dumped for word in _pain_phrases()), (name, dumped)


def _asks_about_lasting_pain(content: Content, state: State) -> bool:
    """The questions style's question about lasting pain, or whether a provider knows of it."""
    if state.phase != SAFETY or content.safety.style == "statements":
        return False
    if state.follow:
        return state.follow == "provider"
    question = content.safety.compact if state.compact else content.safety.questions[state.question]
    return question.kind == "lasting"


def test_after_pain_each_choice_works_by_voice(content: Content) -> None:
    state, _ = walk(content, State(), On.LAUNCH, *[On.NO] * 5, Event(On.SIDE, "left"), On.NEXT)
    hurt, _ = walk(content, state, On.PAIN)
    lighter, reply = walk(content, hurt, On.LIGHTER)
    assert content.prompt("lighter") in reply.text
    assert any(isinstance(p, Pause) for p in reply.parts)
    assert (lighter.index, lighter.step) == (state.index, state.step)
    skipped, reply = walk(content, hurt, On.SKIP)
    assert skipped.index == state.index + 1 and skipped.step == 0
    _, reply = walk(content, hurt, On.STOP)
    assert reply.end_session and "stopping here" in reply.text.lower()


def test_lighter_and_skip_outside_the_routine_go_back_to_the_question(content: Content) -> None:
    safety, _ = walk(content, State(), On.LAUNCH)
    for event in (On.LIGHTER, On.SKIP):
        state, reply = walk(content, safety, event)
        assert state.phase == SAFETY and "safety check first" in reply.text


def test_skip_at_the_last_technique_ends_gently_and_counts_nothing(content: Content) -> None:
    """Often said because it hurt: no praise, no reminder offer, no routine counted, and
    nothing left to resume at the technique that hurt."""
    state, _ = walk(content, State(), On.LAUNCH, *[On.NO] * 5, Event(On.SIDE, "both"))
    last = content.techniques[-1].id
    state, _ = walk(content, state, Event(On.GO_TO, last), On.PAIN)
    state, reply = walk(content, state._replace(remembers=True), On.SKIP)  # both legs skipped
    assert reply.effects == frozenset({"ended"}) and reply.end_session
    assert "well done" not in reply.text.lower() and "remind" not in reply.text.lower()
    assert "healthcare provider" in reply.text and state.habits.week == 0


# --------------------------------------------------------------------------- the undo window


def test_the_answer_to_undo_lives_one_turn(content: Content) -> None:
    state, _ = walk(content, State(), On.LAUNCH, On.NO, On.YES)
    assert state.answered == 1 and state.phase == ADVISED
    state, _ = walk(content, state, On.HELP)
    assert state.answered is None
    assert "answered" not in json.dumps({k: v for k, v in state.to_dict().items() if v})
    state, reply = walk(content, state, Event(On.UNDO, "no"))
    assert state.phase == ADVISED  # a plain "no" now: no question waiting
    assert content.prompt("no_question") in reply.text


def test_undo_after_the_check_started_the_routine_keeps_its_place(content: Content) -> None:
    memory = Memory(heard_intro=True, side="left", last_routine="full", resume=("full", 2, 1))
    state, reply = walk(content, fresh(memory), On.LAUNCH, On.NO)
    assert (state.phase, state.index, state.step) == (ROUTINE, 2, 1)
    state, reply = walk(content, state, Event(On.UNDO, None))
    assert state.phase == SAFETY and content.safety.compact.ask in reply.text
    state, _ = walk(content, state, On.NO)
    assert (state.phase, state.index, state.step) == (ROUTINE, 2, 1)


def test_unsure_while_asked_to_forget_keeps_the_progress(content: Content) -> None:
    state, _ = walk(content, State(), On.LAUNCH, On.FORGET)
    state, reply = walk(content, state, On.UNSURE)
    assert content.prompt("forget_kept") in reply.text and not reply.effects


# --------------------------------------------------------------------------- statements style


def test_every_event_in_every_phase_answers_in_the_statements_style(content: Content) -> None:
    said = styled(content, "statements")
    for name, state in phase_states(said):
        for event in events(said):
            new, reply = coach.handle(said, state, event)
            # a turn handed to Alexa's own permission question says nothing itself
            assert reply.text.strip() or reply.ask_for, (name, event)
            assert reply.view.title, (name, event)
            assert State.from_dict(json.loads(json.dumps(new.to_dict())), said) == new


def test_statements_style_returning_person_hears_the_short_list(content: Content) -> None:
    said = styled(content, "statements")
    memory = Memory(heard_intro=True, side="right", last_routine="full")
    state, reply = walk(said, fresh(memory), On.LAUNCH)
    short = said.safety.compact_statement
    assert short.say in reply.text and short.ask in reply.text
    state, reply = walk(said, state, On.YES)
    assert state.phase == ROUTINE and any(isinstance(p, Pause) for p in reply.parts)
    state, reply = walk(said, walk(said, fresh(memory), On.LAUNCH)[0], On.NO)
    assert state.phase == ADVISED and short.on_no in reply.text


def test_statements_new_person_goes_on_with_yes_and_is_asked_the_knee(content: Content) -> None:
    said = styled(content, "statements")
    state, reply = walk(said, State(), On.LAUNCH)
    assert said.safety.statement.say in reply.text and "Five quick" not in reply.text
    state, reply = walk(said, state, On.YES)
    assert state.phase == SIDE and state.checked


# --------------------------------------------------------------------------- one-shots


def test_pain_unsure_and_undo_as_one_shots_are_answered_directly(content: Content) -> None:
    for event in (Event(On.PAIN), Event(On.UNSURE), Event(On.UNDO)):
        state, reply = walk(content, State(), event)
        assert state.phase != SAFETY, event
        assert not reply.end_session and reply.reprompt


def test_a_yes_or_no_correction_as_a_one_shot_is_a_plain_answer(content: Content) -> None:
    state, _ = walk(content, State(), Event(On.UNDO, "no"))
    assert state.phase == SAFETY  # like "no": the session opens with the check


def test_resume_in_the_safety_check_is_ready_to_answer_the_question(content: Content) -> None:
    # "I'm back" / "I'm ready" after "take your time": the same question, nothing else
    state, _ = walk(content, State(), On.LAUNCH)
    state, waiting = walk(content, state, On.PAUSE)
    assert "take your time" in waiting.text.lower()
    state, reply = walk(content, state, On.RESUME)
    question = content.safety.questions[0].ask
    assert state.phase == SAFETY and state.question == 0
    assert reply.text == question and reply.reprompt and not reply.end_session


def test_resume_at_which_knee_asks_which_knee_without_saying_nothing_is_paused(
    content: Content,
) -> None:
    state, _ = walk(content, State(), On.LAUNCH, *[On.NO] * 5)
    assert state.phase == SIDE
    state, reply = walk(content, state, On.PAUSE, On.RESUME)
    assert state.phase == SIDE
    assert content.prompt("nothing_to_resume") not in reply.text
    assert content.prompt("ask_side").split(":")[0] in reply.text


def test_a_paused_routine_where_everything_was_heard_only_finishes(content: Content) -> None:
    state, _ = walk(content, State(), On.LAUNCH, *[On.NO] * 5, Event(On.SIDE, "left"))
    last = content.techniques[-1].id
    state, _ = walk(content, state, Event(On.GO_TO, last), On.NEXT)
    heard = state._replace(next_at=None, marks=())  # the last step, heard to its end
    _, paused = walk(content, heard, On.PAUSE)
    assert content.prompt("next_finish") in paused.text
    _, where = walk(content, heard, On.WHERE)
    assert where.text.startswith("Less than a minute left.")
    _, reply = walk(content, heard, On.RESUME)
    assert "completed" in reply.effects
    _, reply = walk(content, heard, On.STOP)
    assert "completed" in reply.effects and content.prompt("finished") in reply.text


# --------------------------------------------------------------------------- the README


def test_every_phrase_the_readme_teaches_is_understood() -> None:
    """Each quoted phrase in the README's "What you can say" table reaches an intent."""
    from skill.local.nlu import default_model
    from skill.settings import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## What you can say")[1].split("\n## ")[0]
    phrases = re.findall(r'"([^"]+)"', table)
    assert len(phrases) >= 30
    model = default_model()
    missed = [p for p in phrases if model.match(p) is None and not model.is_launch(p)]
    assert not missed, missed
    expected = {
        "it hurts": "PainIntent",
        "that's too hard": "PainIntent",
        "lighter": "LighterPressureIntent",
        "skip this technique": "SkipTechniqueIntent",
        "finish for today": "AMAZON.StopIntent",
        "I'm not sure": "NotSureIntent",
        "I meant no": "MeantNoIntent",
        "that was a mistake": "UndoAnswerIntent",
    }
    for phrase, intent in expected.items():
        assert phrase in phrases, phrase
        found = model.match(phrase)
        assert found is not None and found.intent == intent, phrase


def test_the_readme_session_says_what_the_safety_check_says(
    content: Content, conversation: Callable[..., Conversation]
) -> None:
    """The README's sample session quotes the check as the skill says it today: the question
    about lasting pain, the follow-up, going ahead gently, and the returning person's question."""
    from skill.settings import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    session = readme.split("## What a session sounds like")[1].split("\n## ")[0]
    said = " ".join(line.split(">", 1)[-1].strip() for line in session.splitlines())
    said = " ".join(said.split())
    person = conversation()
    person.launch()
    for _ in range(3):
        person.say("no")
    turns = [person.say("no")]
    for answer in ("yes, just the usual arthritis", "my doctor knows about it"):
        turns.append(person.say(answer))
    for turn in turns:
        assert " ".join(turn.text.split()) in said, turn.text
    assert " ".join(content.safety.compact.ask.split()) in said


def test_where_am_i_after_holding_off_gives_no_routine_length(content: Content) -> None:
    advised, _ = walk(content, State(), On.LAUNCH, On.YES)
    _, reply = walk(content, advised, On.WHERE)
    assert "won't start the routine today" in reply.text and "minutes" not in reply.text


def test_the_paused_screen_shows_the_step_that_was_cut(content: Content) -> None:
    """Paused in the hold of step 3, after set-up steps 1 and 2 were heard: step 3 shows."""
    state, _ = walk(content, State(), On.LAUNCH, *[On.NO] * 5, Event(On.SIDE, "right"))
    state = state._replace(heard=2, marks=(), sent_at=1.0)
    _, reply = walk(content, state, On.PAUSE)
    step_3 = content.routine("full").items[0].technique.steps[2].say
    assert reply.view.text == step_3 and reply.view.step_number == 3
