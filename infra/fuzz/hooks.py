# Schemathesis hooks for `npm run fuzz` (infra/fuzz/main.ts sets FUZZ_GATEWAY, FUZZ_EMAIL and
# FUZZ_PASSWORD). Two things a generator cannot invent on its own:
#  - credentials: every case is sent with a current access token of the run's account (a fresh
#    one after any 401, e.g. once the fuzzer itself has called logout-all);
#  - facts of the running system: a valid-by-schema case of an operation that needs one (the
#    account's password, a seeded track, a course it is enrolled in, its own id, a trace of its
#    own, …) has every second such case carry it, so the operation's real logic runs too. Only positive cases
#    outside the stateful phase are touched: negative ones stay invalid, linked ones keep the
#    values their links gave them.
import base64
import json
import os
import threading
import time
from collections import defaultdict

import requests
import schemathesis

GATEWAY = os.environ["FUZZ_GATEWAY"]
EMAIL = os.environ["FUZZ_EMAIL"]
PASSWORD = os.environ["FUZZ_PASSWORD"]


def login():
    response = requests.post(
        f"{GATEWAY}/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return response.json()


@schemathesis.auth(refresh_interval=600)
class Account:
    def get(self, case, ctx):
        return login()["accessToken"]

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


class Facts:
    """What the running system holds for this account, read through the API once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._loaded = False

    def _api(self, method, path, token, body=None):
        for _ in range(2):
            response = requests.request(
                method,
                f"{GATEWAY}{path}",
                headers={"Authorization": f"Bearer {token}"},
                json=body,
                timeout=30,
            )
            if response.status_code != 401:
                break
            # The fuzzer ended the session (logout-all, a new password): sign in again.
            self._token, self._token_at = login()["accessToken"], time.monotonic()
            token = self._token
        return response.json() if response.content else None

    def load(self):
        with self._lock:
            if self._loaded:
                return self
            token = login()["accessToken"]
            claims = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
            self.user_id = claims["sub"]
            self.author = "author" in claims["roles"]
            self.tracks = [t["slug"] for t in self._api("GET", "/v1/tracks", token)["items"]]
            self.skills = [s["slug"] for s in self._api("GET", "/v1/skills", token)["items"]]
            courses = self._api("GET", "/v1/courses?limit=100", token)["items"]
            self.course_ids = [c["id"] for c in courses]
            # Enrolled in the first course, with its lessons to complete.
            first = self._api("GET", f"/v1/courses/{courses[0]['slug']}", token)
            self._api("POST", "/v1/me/enrollments", token, {"courseId": first["id"]})
            self.enrolled = (first["id"], [lesson["id"] for lesson in first["lessons"]])
            feed = self._api("GET", "/v1/me/notifications?limit=100", token)["items"]
            self.notification_ids = [n["id"] for n in feed]
            # A trace of this account's own (the trace view shows only those): its dashboard's.
            dashboard = requests.get(
                f"{GATEWAY}/v1/me/dashboard", headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            self.trace_id = dashboard.headers.get("traceresponse", "--").split("-")[1] or None
            self._loaded = True
            return self


    def token(self):
        """An access token for the set-up calls, renewed each minute (the fuzzer may end sessions)."""
        if time.monotonic() - getattr(self, "_token_at", -60) > 60:
            self._token, self._token_at = login()["accessToken"], time.monotonic()
        return self._token

    def draft(self, lessons=1):
        """A new draft course of this (author) account, with `lessons` lessons."""
        token = self.token()
        self.drafts = getattr(self, "drafts", 0) + 1
        course = self._api(
            "POST",
            "/v1/courses",
            token,
            {"slug": f"fuzz-draft-{self.user_id}-{self.drafts}", "title": "Draft", "level": "entry", "track": self.tracks[0]},
        )
        for n in range(lessons):
            course = self._api("POST", f"/v1/courses/{course['id']}/lessons", token, {"title": f"Lesson {n + 1}"})
        return course


facts = Facts()
seen = defaultdict(int)

# Authoring operations on a draft of the author's own, at its current version (If-Match: *).
AUTHORING = {
    "PATCH /v1/courses/{course}",
    "POST /v1/courses/{course}/lessons",
    "PUT /v1/courses/{course}/lessons/order",
    "DELETE /v1/courses/{course}/lessons/{lesson}",
    "PUT /v1/courses/{course}/skills",
    "PUT /v1/courses/{course}/prerequisites",
    "POST /v1/courses/{course}/publish",
    "POST /v1/courses/{course}/archive",
}


def substitute(case):
    """The system's facts for this case's operation, or None when it needs none."""
    label = f"{case.operation.method.upper()} {case.operation.path}"
    body = case.body if isinstance(case.body, dict) else None
    f = facts.load()
    if label == "POST /v1/auth/login" and body is not None:
        case.body = {"email": EMAIL, "password": PASSWORD}
    elif label == "POST /v1/auth/password" and body is not None:
        case.body = {"currentPassword": PASSWORD, "newPassword": PASSWORD}
    elif label in ("POST /v1/auth/refresh", "POST /v1/auth/logout") and body is not None:
        case.body = {"refreshToken": login()["refreshToken"]}
    elif label in AUTHORING and f.author:
        course = f.draft(lessons=2)
        lesson_ids = [lesson["id"] for lesson in course["lessons"]]
        case.path_parameters = {**(case.path_parameters or {}), "course": course["id"]}
        if "{lesson}" in label:
            case.path_parameters["lesson"] = lesson_ids[-1]
        case.headers = {**(case.headers or {}), "if-match": "*"}
        if label.endswith("/lessons/order"):
            case.body = {"lessonIds": list(reversed(lesson_ids))}
        elif label.endswith("/skills"):
            case.body = {"skills": f.skills[:2]}
        elif label.endswith("/prerequisites"):
            case.body = {"prerequisites": []}
        elif label == "PATCH /v1/courses/{course}" and body is not None:
            case.body = {"title": "Renamed draft"}
    elif label == "POST /v1/courses" and body is not None:
        case.body = {**body, "track": f.tracks[seen[label] % len(f.tracks)], "skills": [], "prerequisites": []}
    elif label == "POST /v1/me/enrollments" and body is not None:
        case.body = {"courseId": f.course_ids[seen[label] % len(f.course_ids)]}
    elif label == "PUT /v1/me/enrollments/{course}/lessons/{lesson}/completion":
        course, lessons = f.enrolled
        case.path_parameters = {"course": course, "lesson": lessons[seen[label] % len(lessons)]}
    elif label in ("GET /v1/users/{userId}/enrollments", "GET /v1/users/{userId}/stats"):
        case.path_parameters = {"userId": f.user_id}
    elif label == "GET /v1/me/traces/{traceId}" and f.trace_id:
        case.path_parameters = {"traceId": f.trace_id}
    elif label == "POST /v1/me/notifications/{notification}/read" and f.notification_ids:
        case.path_parameters = {"notification": f.notification_ids[seen[label] % len(f.notification_ids)]}


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or meta.phase.name.value == "stateful":
        return
    label = f"{case.operation.method.upper()} {case.operation.path}"
    seen[label] += 1
    if seen[label] % 2 == 0:
        substitute(case)
