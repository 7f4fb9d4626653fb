"""From a coach reply to an ASK SDK response: speech, reprompt, card and screen.

Speech and the card come from :mod:`skill.voice.speech`; shown text is respelled for the
locale (:mod:`skill.voice.spelling`, with the table of the locale's content); a screen device
gets the APL document (:mod:`skill.alexa.apl`, loaded only for screens); a reply that hands
the turn to Alexa's permission question becomes the ``Connections.SendRequest`` directive.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import AskForPermissionsConsentCard, SimpleCard, StandardCard

from skill.alexa import intents
from skill.alexa.device import apl_max_version, supports_apl
from skill.alexa.request_events import card_thrown
from skill.content.records import Content
from skill.voice import speech
from skill.voice.reply import Reply


def render(
    handler_input: HandlerInput,
    reply: Reply,
    content: Content | None = None,
    *,
    screen: bool = True,
) -> Response:
    """Speech, reprompt and card for every device; APL directives only where APL is supported.

    A timed step on a screen is spoken by the screen itself (see :mod:`skill.alexa.apl`), so that
    response carries no ``outputSpeech`` and leaves ``shouldEndSession`` unset: the screen
    keeps the session open without cutting the countdown short with an open microphone, and
    its end-of-hold event brings the skill back. ``screen=False`` sends no document (the
    answer to a screen that just failed). A silent reply is an empty response.
    """
    builder = handler_input.response_builder
    if reply.ask_for is not None:
        return ask_for_permission(handler_input, reply.ask_for)
    if reply.silent:
        return builder.response
    envelope = handler_input.request_envelope
    if content is not None and content.spellings:
        from skill.voice import spelling  # locales with their own spelling only (en-GB)

        reply = spelling.shown_in(reply, content.spellings)  # cards and screens: "fibre"
    directives, screen_speaks = [], False
    if screen and supports_apl(envelope):
        from skill.alexa import apl  # screens only: keeps voice-only cold starts lean

        if apl.renders_on(apl_max_version(envelope)):
            directives, screen_speaks = apl.directives(reply, content), apl.speaks(reply)
    if not screen_speaks:
        builder.speak(speech.speech(reply))
        reprompt = speech.reprompt(reply)
        if reprompt and not reply.end_session:
            builder.ask(reprompt)
        builder.set_should_end_session(reply.end_session)
    for directive in directives:
        builder.add_directive(directive)
    if reply.consent_card and not card_thrown(handler_input):
        builder.set_card(AskForPermissionsConsentCard(permissions=[intents.REMINDERS_SCOPE]))
    elif reply.view.kind == "done":  # the summary stays in the Alexa app as a Standard card
        builder.set_card(StandardCard(title=reply.view.title, text=speech.card_text(reply)))
    else:
        builder.set_card(SimpleCard(title=reply.view.title, content=speech.card_text(reply)))
    return builder.response


def ask_for_permission(handler_input: HandlerInput, token: str) -> Response:
    """Hand the turn to Alexa, which asks for the reminders permission in its own words.

    The response carries only the ``Connections.SendRequest`` directive: no speech, no card,
    and the session neither closed nor kept by us; Alexa answers with ``Connections.Response``.
    """
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    payload: dict[str, object] = {
        "@type": "AskForPermissionsConsentRequest",
        "@version": "1",
        "permissionScope": intents.REMINDERS_SCOPE,
    }
    builder = handler_input.response_builder
    builder.add_directive(SendRequestDirective(name="AskFor", payload=payload, token=token))
    return builder.response
