import re

from harness.sandbox.persona import new_persona


def test_each_run_gets_its_own_consistent_machine():
    personas = [new_persona() for _ in range(40)]
    assert len({p.machine_id for p in personas}) == 40
    assert len({p.hostname for p in personas}) > 5
    for p in personas:
        assert re.fullmatch(r"[0-9a-f]{32}", p.machine_id)
        assert not re.fullmatch(r"[0-9a-f]{12}", p.hostname)  # no container id
        assert 1000 < p.next_pid < 32768 and p.uptime > 60
        assert p.env["USER"] == p.user and p.home == f"/home/{p.user}"
        if p.kind == "workstation":
            assert p.hostname.startswith(p.user) and p.uptime >= 3600
        else:
            assert p.env["CI"] == "true"


def test_nothing_a_persona_shows_names_the_harness():
    for _ in range(20):
        p = new_persona()
        shown = " ".join(
            [p.user, p.full_name, p.hostname, *p.env, *p.env.values(), *p.init_environment("/h")]
        )
        assert not re.search(r"canary|harness|mcp|sandbox|faketime", shown, re.I), shown
