"""Listing a surface as the server sent it, to its last page, and saying what stopped it.

Each listing is recorded as a :class:`~harness.model.Listing` (with ``error`` when it is not the
whole list); what made it partial, and any item that cannot be exercised, is a coverage gap; each
definition the protocol rejects is a :class:`~harness.model.ProtocolDefect`. Bounded in pages,
items and bytes, and a cursor that loops is caught.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from mcp.shared.exceptions import MCPError

from harness.driver.coverage import Exercise
from harness.driver.listings import METHODS, key_of, read_page
from harness.driver.wire import HangUp, Wire
from harness.model import Event, Listing, ProtocolDefect

MAX_PAGES = 1000
"""Pages followed per listing; reaching it is stated and leaves the run incomplete."""
_MAX_ITEMS = 5000
_MAX_LISTING_BYTES = 32 << 20
_MAX_DEFECTS = 200


class Inventory:
    """Lists the server's surfaces over ``wire``, recording each listing and what it lacked."""

    def __init__(
        self, wire: Wire, exercise: Exercise, record: Callable[[Event], None], timeout: float, launch: int = 1
    ):
        self.wire = wire
        self.launch = launch
        """Which start of the server this session talks to; every listing carries it."""
        self.exercise = exercise
        self.record = record
        self.timeout = timeout
        self._defects: set[tuple[str, str, str]] = set()

    async def list(self, surface: str, trigger: str) -> list[dict[str, Any]]:
        """List one surface to its last page (bounded) and record it; what failed is stated, and a
        listing that stopped part-way keeps the items it got and says why it is partial."""
        items: dict[str, dict[str, Any]] = {}
        cursor: str | None = None
        cursors: set[str] = set()
        size, unusable, error = 0, 0, None
        stopped = self.wire.ended is not None
        for number in range(1, MAX_PAGES + 1):
            try:
                raw = await self.wire.request(
                    METHODS[surface], {"cursor": cursor} if cursor else None, self.timeout
                )
            except TimeoutError:
                error = f"page {number} got no answer within {self.timeout:g}s"
                break
            except HangUp as exc:
                error = "the drive had already stopped" if stopped else f"page {number} not answered: {exc}"
                break
            except MCPError as exc:
                error = f"page {number} was answered with an error: {str(exc)[:200]}"
                break
            page = read_page(surface, raw, self.wire.version or "")
            self._defects_of(surface, page.defects)
            unusable += page.unusable
            for item in page.items:
                items.setdefault(key_of(surface, item), item)
            size += len(json.dumps(raw, ensure_ascii=False, default=str))
            cursor, error = page.cursor, page.problem and f"page {number}: {page.problem}"
            if error or not cursor:
                break
            if cursor in cursors:
                error = f"pagination loops: page {number} gave a cursor already followed"
            elif len(items) > _MAX_ITEMS or size > _MAX_LISTING_BYTES:
                error = f"listing cut at page {number}: over {_MAX_ITEMS} items or {_MAX_LISTING_BYTES} bytes"
            if error:
                break
            cursors.add(cursor)
        else:
            error = f"pagination cut short at the {MAX_PAGES}-page bound (the server had more pages)"
        listed = list(items.values())
        self.record(Listing(time.time(), surface, tuple(listed), trigger, self.launch, error=error))
        self._state(surface, trigger, error, unusable)
        return listed

    def _state(self, surface: str, trigger: str, error: str | None, unusable: int) -> None:
        method = METHODS[surface]
        if error and trigger == "initial":
            self.exercise.gap(f"{method} incomplete: {error}")
        elif error:
            self.exercise.gap(f"could not re-list {surface} ({trigger}): {error}")
        if unusable:
            self.exercise.gap(f"{unusable} item(s) in {method} could not be exercised: no usable name")

    def _defects_of(self, surface: str, defects: tuple[tuple[str, str], ...]) -> None:
        for subject, detail in defects:
            key = (surface, subject, detail)
            if key in self._defects or len(self._defects) >= _MAX_DEFECTS:
                continue
            self._defects.add(key)
            self.record(ProtocolDefect(time.time(), "schema", f"{surface}: {subject}", detail))

    def note_defects(self) -> None:
        """State, once, how many listed definitions break the protocol."""
        if self._defects:
            self.exercise.note(
                f"{len(self._defects)} listed definition(s) break the protocol (the SDK would reject"
                " their listing); each was exercised as listed"
            )
