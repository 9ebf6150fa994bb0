"""Driving the demo page (web/index.html) from Selenium, and a recorder of every DOM state it goes through."""

import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

# Records a snapshot of what a user sees on every DOM mutation: the last answer's text, the progress line
# (phase, who set it, its words) and the geometry of the parts that must not move while streaming.
RECORDER = r"""
window.__states = [];
const rect = (el) => { const r = el.getBoundingClientRect(); return [Math.round(r.top), Math.round(r.height), Math.round(r.left), Math.round(r.width)]; };
const snap = () => {
  const answers = document.querySelectorAll('.answer-text');
  const last = answers[answers.length - 1];
  const progress = document.getElementById('progress');
  window.__states.push({
    t: performance.now(),
    text: last ? last.textContent : '',
    phase: progress.dataset.phase,
    source: progress.dataset.source,
    progress: document.getElementById('progress-text').textContent,
    composer: rect(document.querySelector('.composer')),
    progressBox: rect(progress),
    actions: rect(document.querySelector('.actions')),
    prompt: rect(document.getElementById('prompt')),
  });
};
window.__recorder = new MutationObserver(snap);
window.__recorder.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
snap();
"""


def open_page(driver, url, timeout=30):
    driver.get(url)
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))


def start_recording(driver):
    driver.execute_script(RECORDER)


def states(driver):
    return driver.execute_script("return window.__states")


def send(driver, prompt):
    box = driver.find_element(By.ID, "prompt")
    box.clear()
    box.send_keys(prompt)
    driver.find_element(By.ID, "send").click()


def phase(driver):
    return driver.find_element(By.ID, "progress").get_attribute("data-phase")


def wait_phase(driver, wanted, timeout=45):
    wanted = {wanted} if isinstance(wanted, str) else set(wanted)
    WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: phase(d) in wanted)
    return phase(driver)


def wait_for(driver, predicate, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate(driver)
        if value:
            return value
        time.sleep(0.03)
    raise AssertionError(f"timed out waiting for {what}")


def answer_text(driver):
    return driver.execute_script(
        "const a = document.querySelectorAll('.answer-text'); return a.length ? a[a.length - 1].textContent : ''")


def answers(driver):
    return driver.execute_script("return [...document.querySelectorAll('.answer-text')].map(a => a.textContent)")


def turn_foot(driver):
    return driver.execute_script(
        "const f = document.querySelectorAll('.turn-foot'); return f.length ? f[f.length - 1].textContent : ''")


def error_box(driver):
    """The last turn's error box as {kind, code, status, retryable, text}, or None."""
    return driver.execute_script("""
        const turns = document.querySelectorAll('.turn');
        const box = turns.length ? turns[turns.length - 1].querySelector('.error-box') : null;
        return box ? { kind: box.dataset.kind, code: box.dataset.code, status: box.dataset.status,
                       retryable: box.dataset.retryable, text: box.textContent } : null;
    """)


def session_id(driver):
    return driver.find_element(By.ID, "session").get_attribute("data-session-id")


def set_token(driver, token):
    driver.execute_script("document.getElementById('settings').open = true")
    field = driver.find_element(By.ID, "token")
    field.clear()
    if token:
        field.send_keys(token)
    driver.execute_script("document.getElementById('settings').open = false")


def agent_options(driver):
    return driver.execute_script("return [...document.getElementById('agent').options].map(o => o.value)")


def screenshot(driver, path):
    assert driver.save_screenshot(str(path)), f"screenshot {path} failed"
    assert path.stat().st_size > 5000, f"{path} is suspiciously small"
    return path
