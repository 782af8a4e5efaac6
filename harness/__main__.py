from harness.command import run

run()
