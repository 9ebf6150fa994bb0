"""The demo page in headless Chromium against bootstrap under lambda-local, page and function on different
origins (issue 9, Tests (a)-(g)). Each test looks at what a user sees: the DOM, recorded on every mutation."""

import json
import re
import time
import urllib.request

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from selenium.webdriver.common.by import By

import page
from harness import CORS_LOCAL, port_is_free
from fake_agent import FailingAgent

FLIGHT = "Flight EY123 delayed 2 hours due to weather"


def distinct_texts(recorded):
    texts = []
    for state in recorded:
        if state["text"] and (not texts or texts[-1][1] != state["text"]):
            texts.append((state["t"], state["text"]))
    return texts


def assert_layout_stable(recorded):
    """The composer, the progress line, the Send/Stop cell and the prompt box never move or resize."""
    for key in ("composer", "progressBox", "actions", "prompt"):
        seen = {tuple(s[key]) for s in recorded}
        assert len(seen) == 1, f"{key} moved or resized while streaming: {sorted(seen)}"


# (a) ------------------------------------------------------------------------------------------------

def test_answer_grows_in_the_dom_while_the_agent_writes(stack, browser, out_dir):
    s = stack(env={"DEMO_AGENT_PAUSE_MS": "300"})
    assert s.page.split(":")[2] != s.api.split(":")[2], "page and function must be different origins"
    page.open_page(browser, s.page)
    assert browser.find_element(By.ID, "api-url").text == s.api, "the page found the function through /config.json"
    assert page.agent_options(browser) == ["default"]
    page.start_recording(browser)
    page.send(browser, FLIGHT)
    # Mid-stream: some text is there, the stream is not over.
    page.wait_for(browser, lambda d: page.answer_text(d).count("\n") >= 2 and page.phase(d) != "done", what="two lines mid-stream")
    mid_text = page.answer_text(browser)
    page.screenshot(browser, out_dir / "mid-stream.png")
    page.wait_phase(browser, "done")
    page.screenshot(browser, out_dir / "end.png")

    recorded = page.states(browser)
    texts = distinct_texts(recorded)
    final = texts[-1][1]
    assert final.startswith("Assessing the disruption for EY123.") and final.rstrip().endswith("I will remember this.")
    assert mid_text != final and final.startswith(mid_text)
    # Several distinct DOM states, each extending the one before, spread over the agent's run.
    assert len(texts) >= 8, [t for _, t in texts]
    for (_, before), (_, after) in zip(texts, texts[1:]):
        assert after.startswith(before) and len(after) > len(before)
    spread_ms = texts[-1][0] - texts[0][0]
    assert spread_ms >= 1500, f"all text arrived within {spread_ms:.0f} ms: buffered, not streamed"
    done_at = next(s["t"] for s in recorded if s["phase"] == "done")
    assert done_at - texts[0][0] >= 1500, "the first words were not on screen well before the end"
    foot = page.turn_foot(browser)
    assert re.search(r"first token \d", foot) and re.search(r"total \d", foot), foot
    streaming = [s for s in recorded if s["phase"] in ("sending", "connecting", "connected", "waiting", "streaming", "done")]
    assert_layout_stable(streaming)


def test_the_page_keeps_working_behind_a_buffered_function_url(stack, browser, out_dir):
    # The rollback path: a BUFFERED Function URL and RESPONSE_MODE=buffered. The answer arrives at once, but
    # whole: every frame, ending in complete, inside one payload-2.0 result.
    s = stack(env={"DEMO_AGENT_PAUSE_MS": "50", "RESPONSE_MODE": "buffered"}, extra_args=["--invoke-mode", "BUFFERED"])
    page.open_page(browser, s.page)
    assert page.agent_options(browser) == ["default"]
    page.send(browser, FLIGHT)
    page.wait_phase(browser, "done")
    page.screenshot(browser, out_dir / "buffered.png")
    text = page.answer_text(browser)
    assert text.startswith("Assessing the disruption for EY123.") and text.rstrip().endswith("I will remember this.")
    assert re.search(r"total \d", page.turn_foot(browser))


# (b) ------------------------------------------------------------------------------------------------

def test_status_frames_drive_the_progress_line(stack, browser, out_dir):
    # The demo agent thinks 1.6 s before its first word; the function reports that every 200 ms.
    s = stack(env={"DEMO_AGENT_PAUSE_MS": "800", "HEARTBEAT_MS": "200"})
    page.open_page(browser, s.page)
    page.start_recording(browser)
    page.send(browser, FLIGHT)
    page.wait_for(browser, lambda d: page.phase(d) == "waiting", what="a waiting status frame")
    page.screenshot(browser, out_dir / "thinking.png")
    page.wait_phase(browser, "done", timeout=60)
    recorded = page.states(browser)

    from_status = []
    for state in recorded:
        if state["source"] == "status" and (not from_status or from_status[-1] != state["phase"]):
            from_status.append(state["phase"])
    assert from_status[:1] == ["connecting"], from_status
    assert "waiting" in from_status and "streaming" in from_status, from_status
    assert from_status.index("connecting") < from_status.index("waiting") < from_status.index("streaming"), from_status
    words = [st["progress"] for st in recorded if st["source"] == "status"]
    assert "Connecting to the agent…" in words
    assert any(re.fullmatch(r"Thinking… \d+ s", w) for w in words), sorted(set(words))
    assert "Streaming" in words
    # No text before the streaming status frame; the waiting phase had none either.
    first_text = next(i for i, st in enumerate(recorded) if st["text"])
    assert all(st["phase"] != "streaming" or st["source"] == "status" for st in recorded[:first_text + 1])
    assert any(st["phase"] == "waiting" for st in recorded[:first_text])
    assert recorded[-1]["progress"] == "Done"


def test_without_status_frames_the_first_chunk_drives_the_progress_line(stack, browser):
    s = stack(env={"DEMO_AGENT_PAUSE_MS": "100", "STATUS_FRAMES": "off", "HEARTBEAT_MS": "100"})
    page.open_page(browser, s.page)
    page.start_recording(browser)
    page.send(browser, FLIGHT)
    page.wait_phase(browser, "done")
    recorded = page.states(browser)
    assert not [st for st in recorded if st["source"] == "status"], "STATUS_FRAMES=off yet status frames arrived"
    first_text = next(i for i, st in enumerate(recorded) if st["text"])
    assert recorded[first_text]["phase"] == "streaming" and recorded[first_text]["source"] == "chunk"
    assert all(st["phase"] in ("idle", "sending", "connected") for st in recorded[:first_text]), \
        sorted({st["phase"] for st in recorded[:first_text]})


# (c) ------------------------------------------------------------------------------------------------

def test_stop_ends_the_stream_and_the_demo_agent_records_stop_runtime_session(stack, browser, out_dir):
    s = stack(env={"DEMO_AGENT_PAUSE_MS": "500"})
    page.open_page(browser, s.page)
    page.start_recording(browser)
    page.send(browser, FLIGHT)
    page.wait_for(browser, lambda d: page.answer_text(d), what="the first words")
    session = page.session_id(browser)
    assert session
    browser.find_element(By.ID, "stop").click()
    page.wait_phase(browser, "stopped", timeout=15)
    stopped_text = page.answer_text(browser)
    assert "Summary:" not in stopped_text, "the answer ran to its end despite Stop"
    page.wait_for(browser, lambda d: d.execute_script(
        "const c = document.querySelectorAll('.cancel-result'); return c.length && c[c.length - 1].dataset.status"),
        what="the cancel request's answer")
    cancel = browser.execute_script("const c = document.querySelectorAll('.cancel-result'); return [c[c.length-1].dataset.status, c[c.length-1].textContent]")
    page.screenshot(browser, out_dir / "stopped.png")
    assert cancel[0] == "202", cancel
    assert "agent stopping" in cancel[1]
    # The demo agent received StopRuntimeSession for this very session.
    records = page.wait_for(browser, lambda d: [r for r in s.stop_records() if session in r.get("session", "")], what="a stop record")
    assert records[0].get("status", 200) == 200, records
    assert re.search(r"StopRuntimeSession session=\S*" + re.escape(session), s.log())
    # Nothing more arrives after Stop.
    time.sleep(1.5)
    assert page.answer_text(browser) == stopped_text
    assert browser.find_element(By.ID, "send").is_displayed()


# (d) ------------------------------------------------------------------------------------------------

def test_second_prompt_continues_the_session_and_new_conversation_starts_another(stack, browser, out_dir):
    s = stack(env={"DEMO_AGENT_PAUSE_MS": "20"})
    page.open_page(browser, s.page)
    assert page.session_id(browser) == ""
    page.send(browser, FLIGHT)
    page.wait_phase(browser, "done")
    first_session = page.session_id(browser)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{32,99}", first_session), first_session

    page.send(browser, "Which passengers should we rebook first?")
    page.wait_phase(browser, "done")
    assert page.session_id(browser) == first_session
    second = page.answer_text(browser)
    assert "Continuing this session (turn 2)" in second and FLIGHT in second, second
    page.screenshot(browser, out_dir / "two-turns.png")

    browser.find_element(By.ID, "new-conversation").click()
    assert page.session_id(browser) == ""
    assert page.answers(browser) == []
    page.send(browser, "BA245 delayed 4 hours because of a technical issue")
    page.wait_phase(browser, "done")
    assert page.session_id(browser) not in ("", first_session)
    assert "Continuing this session" not in page.answer_text(browser)


# (e) ------------------------------------------------------------------------------------------------

def test_an_error_frame_and_a_400_are_shown_with_their_messages(stack, browser, out_dir):
    agent = FailingAgent(["Checking the crew roster… ", "3 of 4 crew are available. ",
                          {"error": "the roster service timed out", "error_type": "ToolError"}])
    try:
        s = stack(demo_agent=False, env=agent.env())
        page.open_page(browser, s.page)
        page.send(browser, FLIGHT)
        page.wait_phase(browser, "error")
        box = page.error_box(browser)
        page.screenshot(browser, out_dir / "error-frame.png")
        assert box["kind"] == "stream" and box["code"] == "AgentError", box
        assert "ToolError: the roster service timed out" in box["text"]
        assert box["retryable"] == "false" and "will not help" in box["text"]
        # What the agent said before failing stays on screen.
        assert page.answer_text(browser) == "Checking the crew roster… 3 of 4 crew are available. "
        assert "agent error" in browser.find_element(By.ID, "progress-text").text
    finally:
        agent.close()

    # A 400: a conversation link with a session id the function rejects (too short).
    s2 = stack(env={"DEMO_AGENT_PAUSE_MS": "20"})
    page.open_page(browser, s2.page + "?session=short-id")
    page.send(browser, FLIGHT)
    page.wait_phase(browser, "error")
    box = page.error_box(browser)
    page.screenshot(browser, out_dir / "http-400.png")
    assert box["kind"] == "http" and box["status"] == "400" and box["code"] == "validation", box
    assert "HTTP 400" in box["text"] and "session_id" in box["text"]
    assert box["retryable"] == "false"


# (f) ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def signing_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return key, pem


def token(key, sub="user_2browserTest"):
    now = int(time.time())
    return jwt.encode({"sub": sub, "iat": now - 5, "nbf": now - 5, "exp": now + 600}, key, algorithm="RS256",
                      headers={"kid": "test", "typ": "JWT"})


def test_jwt_the_authorization_header_passes_the_preflight_and_a_bad_token_shows_401(stack, browser, signing_key, out_dir):
    key, pem = signing_key
    s = stack(env={"DEMO_AGENT_PAUSE_MS": "20", "AUTH_MODE": "jwt", "JWT_PUBLIC_KEY_PEM": pem})
    page.open_page(browser, s.page)
    # No token: the agents list is refused and the page says why.
    page.wait_for(browser, lambda d: "token" in d.find_element(By.ID, "agent-note").text, what="the token hint")

    # A good token: the GET and the POST carry Authorization cross-origin, so their preflights passed.
    page.set_token(browser, token(key))
    page.wait_for(browser, lambda d: page.agent_options(d) == ["default"], what="agents listed with the token")
    page.send(browser, FLIGHT)
    page.wait_phase(browser, "done")
    assert page.answer_text(browser).startswith("Assessing the disruption for EY123.")

    # A bad token (signed by another key): 401 with the function's message.
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    page.set_token(browser, token(other))
    page.send(browser, "Which passengers should we rebook first?")
    page.wait_phase(browser, "error")
    box = page.error_box(browser)
    page.screenshot(browser, out_dir / "http-401.png")
    assert box["kind"] == "http" and box["status"] == "401" and box["code"] == "unauthorized", box
    assert "HTTP 401" in box["text"]


# (g) ------------------------------------------------------------------------------------------------

def preflight(api, origin):
    request = urllib.request.Request(f"{api}/", method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}


def test_a_page_on_localhost_5173_works_with_make_runs_cors_config(stack, browser, out_dir):
    # Another test run on this machine may hold the port for a few seconds; a Vite dev server holds it for good.
    deadline = time.monotonic() + 120
    while not port_is_free(5173):
        if time.monotonic() > deadline:
            pytest.fail("port 5173 stayed busy (a Vite dev server?): this test serves the page there, as Vite would")
        time.sleep(1)
    # make run's CORS file as committed, unmodified; the page on Vite's origin.
    s = stack(cors_file=CORS_LOCAL, web_port=5173, env={"DEMO_AGENT_PAUSE_MS": "20"})
    page.open_page(browser, "http://localhost:5173/")
    assert browser.execute_script("return location.origin") == "http://localhost:5173"
    page.send(browser, FLIGHT)
    page.wait_phase(browser, "done")
    assert page.answer_text(browser).startswith("Assessing the disruption for EY123.")
    page.screenshot(browser, out_dir / "vite-origin.png")

    status, headers = preflight(s.api, "http://localhost:5173")
    assert status in (200, 204)
    assert headers.get("access-control-allow-origin") == "http://localhost:5173"
    allowed = {h.strip().lower() for h in headers.get("access-control-allow-headers", "").split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert json.loads(CORS_LOCAL.read_text())["MaxAge"] == int(headers.get("access-control-max-age"))


def test_a_page_on_an_origin_the_cors_config_does_not_list_is_refused(stack, browser, out_dir):
    s = stack(cors_file=CORS_LOCAL, env={"DEMO_AGENT_PAUSE_MS": "20"})
    page.open_page(browser, s.page)  # http://127.0.0.1:<random port>: not in the file
    page.send(browser, FLIGHT)
    page.wait_phase(browser, "error")
    box = page.error_box(browser)
    page.screenshot(browser, out_dir / "cors-refused.png")
    assert box["kind"] == "network", box
    status, headers = preflight(s.api, s.page.rstrip("/"))
    assert "access-control-allow-origin" not in headers


# Layout on a phone ------------------------------------------------------------------------------------

def test_the_page_fits_a_phone_screen(stack, phone_browser, out_dir):
    s = stack(env={"DEMO_AGENT_PAUSE_MS": "20"})
    page.open_page(phone_browser, s.page)
    page.screenshot(phone_browser, out_dir / "phone-empty.png")
    page.send(phone_browser, FLIGHT)
    page.wait_phase(phone_browser, "done")
    page.screenshot(phone_browser, out_dir / "phone-answer.png")
    overflow = phone_browser.execute_script(
        "return document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a 390px screen"
    composer_bottom = phone_browser.execute_script("return document.querySelector('.composer').getBoundingClientRect().bottom")
    assert composer_bottom <= phone_browser.execute_script("return window.innerHeight") + 1
