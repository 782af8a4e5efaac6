import io
import stat
import tarfile

from harness.sandbox.copyout import CopyBudget, extract_bounded


def _tar(*members: tuple[tarfile.TarInfo, bytes]) -> list[bytes]:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for info, data in members:
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    raw = buffer.getvalue()
    return [raw[i : i + 1000] for i in range(0, len(raw), 1000)]


def _file(name: str, mode: int = 0o644, uid: int = 1000) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode, info.uid, info.gid = mode, uid, uid
    return info


def test_a_setuid_shell_comes_back_without_its_setuid_bit(tmp_path):
    outcome = extract_bounded(_tar((_file("home/sh", 0o4755, uid=0), b"\x7fELF")), tmp_path)
    mode = (tmp_path / "sh").stat().st_mode
    assert not mode & (stat.S_ISUID | stat.S_ISGID) and mode & 0o777 == 0o755
    assert outcome.defanged == ["sh"]


def test_paths_leaving_the_destination_links_and_devices_are_not_written(tmp_path):
    link = tarfile.TarInfo("home/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    device = tarfile.TarInfo("home/dev")
    device.type = tarfile.CHRTYPE
    dest = tmp_path / "out"
    outcome = extract_bounded(
        _tar((_file("home/../../escape"), b"x"), (link, b""), (device, b""), (_file("home/ok"), b"ok")), dest
    )
    assert sorted(p.name for p in dest.iterdir()) == ["ok"]
    assert not (tmp_path / "escape").exists()
    assert outcome.skipped_files == 2


def test_the_copy_stops_at_its_size_and_file_budgets_and_counts_the_rest(tmp_path):
    members = [(_file(f"home/f{i}"), b"a" * 300) for i in range(10)]
    outcome = extract_bounded(_tar(*members), tmp_path, CopyBudget(max_bytes=1000, max_files=5))
    assert outcome.bytes == 1000 and outcome.files == 5
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) == 1000
    assert outcome.skipped_files == 5 and outcome.skipped_bytes == 10 * 300 - 1000
    assert outcome.over_budget
