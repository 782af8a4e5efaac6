from harness.sandbox.processes import CpuMeter

SECOND = 1_000_000_000


def test_an_idle_server_is_never_at_its_limit():
    meter = CpuMeter(1.0)
    for t in range(10):
        meter.sample(float(t), t * SECOND // 100, (t * 10, 0), t * SECOND // 50)
    assert meter.pegged == 0.0 and meter.seconds == 0.09


def test_a_server_using_its_whole_limit_is_at_its_limit():
    meter = CpuMeter(2.0)
    for t in range(6):
        meter.sample(float(t), t * 2 * SECOND)
    assert meter.pegged == 5.0


def test_a_spinning_server_starved_by_a_busy_host_is_still_seen_by_its_runnable_time():
    meter = CpuMeter(1.0)
    for t in range(5):  # got a third of a CPU, but was runnable all the time
        meter.sample(float(t), t * SECOND // 3, (t * 10, 0), t * SECOND)
    assert meter.pegged == 4.0


def test_a_server_throttled_in_most_periods_is_at_its_limit():
    meter = CpuMeter(1.0)
    for t in range(4):
        meter.sample(float(t), t * SECOND // 2, (t * 10, t * 8))
    assert meter.pegged == 3.0


def test_no_limit_means_no_judgement():
    meter = CpuMeter(None)
    meter.sample(0.0, 0)
    meter.sample(1.0, SECOND)
    assert meter.pegged == 0.0 and meter.seconds == 1.0
