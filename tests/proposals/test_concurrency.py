"""Fast repeated clicks on "Send your idea" store the idea once (Decidim shipped this bug)."""
from __future__ import annotations

import threading

from tests import factories


def test_simultaneous_sends_store_one_idea(app, open_round, resident_user, good, proposal_count):
    first = app.test_client()
    first.post("/sign-in", data={"email": resident_user.email, "password": factories.PASSWORD})
    cookie = first.get_cookie("session")
    clients = []
    for _ in range(8):
        c = app.test_client()
        c.set_cookie("session", cookie.value, domain=cookie.domain or "localhost")
        clients.append(c)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    locations: set[str] = set()

    def send(c):
        barrier.wait()
        response = c.post(f"/rounds/{open_round.id}/proposals/new/check", data={**good, "send": "1"})
        statuses.append(response.status_code)
        locations.add(response.headers.get("Location", ""))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302] * len(clients)
    assert len(locations) == 1  # every click lands on the same "sent" page
    assert proposal_count() == 1
