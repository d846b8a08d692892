import json

import pytest

from conftest import SAMPLE, SAMPLE_DATE


def test_run_writes_every_format(cli, tmp_path):
    out = tmp_path / "out"
    r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""  # silent on success
    assert sorted(p.name for p in out.iterdir()) == [
        *(f"digest-{SAMPLE_DATE}.{e}" for e in ("html", "json", "txt")), "index.html"]
    data = json.loads((out / f"digest-{SAMPLE_DATE}.json").read_text())
    assert data["date"] == SAMPLE_DATE and data["stats"]["articles"] == 10


def test_stdout_one_format(cli):
    r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--format", "md", "--out", "-")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# News digest — 2026-11-20")


def test_stdout_needs_one_format(cli):
    r = cli("run", str(SAMPLE), "--format", "text,json", "--out", "-")
    assert r.returncode == 64 and r.stderr.count("\n") == 1 and "one format" in r.stderr


def test_same_input_and_date_give_identical_bytes(cli, tmp_path):
    outs = []
    for name in ("a", "b"):
        r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--out", str(tmp_path / name), "--format", "text,html,md,json,eml",
                "--explain", str(tmp_path / name / "explain.json"))
        assert r.returncode == 0, r.stderr
        outs.append({p.name: p.read_bytes() for p in (tmp_path / name).iterdir()})
    assert outs[0] == outs[1]


def test_missing_path(cli, tmp_path):
    r = cli("run", str(tmp_path / "missing"), "--out", str(tmp_path / "out"))
    assert r.returncode == 66
    assert r.stderr.startswith("digest: error: ") and "no such file or directory" in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_empty_folder(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    r = cli("run", str(tmp_path / "empty"), "--out", str(tmp_path / "out"))
    assert r.returncode == 66 and "no article files" in r.stderr and r.stderr.count("\n") == 1


def test_no_readable_article(cli, write_article, tmp_path):
    write_article("a.txt", b"\x00\x00binary")
    r = cli("run", str(write_article.folder), "--out", str(tmp_path / "out"))
    assert r.returncode == 66 and "no readable article" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_bad_file_warns_and_run_goes_on(cli, write_article, tmp_path):
    write_article("good.txt", "The harbour bridge reopened on Friday after three weeks of repairs.\n")
    write_article("bad.md", "---\ntitle: [oops\n---\nText.\n")
    r = cli("run", str(write_article.folder), "--date", SAMPLE_DATE, "--out", str(tmp_path / "out"))
    assert r.returncode == 0
    assert r.stderr.count("\n") == 1 and "warning" in r.stderr and "bad.md" in r.stderr
    assert (tmp_path / "out" / f"digest-{SAMPLE_DATE}.txt").exists()


def test_usage_errors_exit_64(cli, tmp_path):
    for args in (["run", str(SAMPLE), "--format", "pdf"], ["run", str(SAMPLE), "--date", "20/11/2026", "--out", str(tmp_path)],
                 ["run", str(SAMPLE), "--max-words", "0"], ["frobnicate"]):
        r = cli(*args)
        assert r.returncode == 64, (args, r.stderr)
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_unknown_algorithm_is_config_error(cli, tmp_path):
    r = cli("run", str(SAMPLE), "--algorithm", "magic", "--out", str(tmp_path))
    assert r.returncode == 78 and "unknown algorithm 'magic'" in r.stderr


def test_unknown_language_is_config_error_before_anything_is_written(cli, tmp_path):
    (tmp_path / "digest.toml").write_text('language = "klingon"\n')
    out = tmp_path / "out"
    r = cli("run", str(SAMPLE), "--config", str(tmp_path / "digest.toml"), "--out", str(out))
    assert r.returncode == 78 and r.stderr.count("\n") == 1
    assert "no sentence splitter for 'klingon'" in r.stderr and "english" in r.stderr
    assert not out.exists()


def test_unwritable_output_leaves_nothing_partial(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--out", str(blocker / "out"))
    assert r.returncode == 73 and "cannot write output" in r.stderr and r.stderr.count("\n") == 1


def test_every_sumy_algorithm_runs(cli):
    for name in ("lexrank", "textrank", "lsa", "luhn", "kl", "sumbasic", "reduction"):
        r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--algorithm", name, "--format", "json", "--out", "-")
        assert r.returncode == 0, (name, r.stderr)
        items = [i for s in json.loads(r.stdout)["sections"] for i in s["items"]]
        assert items and all(i["sources"] for i in items)


def test_explain_file(cli, tmp_path):
    explain = tmp_path / "explain.json"
    r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--out", str(tmp_path / "out"), "--explain", str(explain))
    assert r.returncode == 0, r.stderr
    data = json.loads(explain.read_text())
    assert {d["rule"] for d in data["boilerplate"]} >= {"call to action", "byline", "comments"}
    assert data["merges"] and all(m["dropped"] and m["kept"] and m["rule"] for m in data["merges"])
    assert any(r["chosen"] for r in data["ranking"])


@pytest.mark.parametrize("given, explain, in_config", [
    ("articles/a.md", "articles/a.md", False),  # an input file itself
    ("articles", "articles/b.txt", False),  # an article in an input folder
    ("articles", "articles/b.txt", True),  # explain = ... in digest.toml
])
def test_explain_never_replaces_an_input_article(cli, write_article, tmp_path, given, explain, in_config):
    write_article("a.md", "---\ntitle: Bridge\n---\nThe harbour bridge reopened on Friday after repairs.\n")
    write_article("b.txt", "Ferry back\n\nThe harbour ferry returned to service on Friday after repairs.\n")
    before = {p.name: p.read_bytes() for p in write_article.folder.iterdir()}
    flags = ["--explain", explain]
    if in_config:
        (tmp_path / "digest.toml").write_text(f'explain = "{explain}"\n')
        flags = ["--config", "digest.toml"]
    r = cli("run", given, "--no-state", "--date", SAMPLE_DATE, "--out", "out", *flags, cwd=tmp_path)
    assert r.returncode == 64 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr == f"digest: error: --explain {explain}: is one of the input articles; name another file\n"
    assert {p.name: p.read_bytes() for p in write_article.folder.iterdir()} == before and not (tmp_path / "out").exists()


def test_an_earlier_explain_file_in_an_input_folder_is_replaced(cli, write_article, tmp_path):
    write_article("b.txt", "Ferry back\n\nThe harbour ferry returned to service on Friday after repairs.\n")
    for _ in range(2):
        r = cli("run", "articles", "--no-state", "--date", SAMPLE_DATE, "--out", "out", "--explain", "articles/why.json",
                cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    assert json.loads((write_article.folder / "why.json").read_text())["date"] == SAMPLE_DATE


def test_outputs_follow_the_umask(cli, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--out", str(tmp_path / "out"), "--no-state")
    finally:
        os.umask(old)
    assert r.returncode == 0, r.stderr
    for path in (tmp_path / "out").glob("digest-*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_templates_folder_overrides_the_packaged_ones(cli, tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "text.j2").write_text(
        "{% for s in digest.sections %}{% for i in s['items'] %}{{ i.refs | join(',') }}|{{ i.text }}\n{% endfor %}{% endfor %}"
    )
    r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--format", "text", "--out", "-", "--no-state",
            "--templates", str(tmp_path / "tpl"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines and all("|" in line and line.split("|", 1)[0] for line in lines)
    html = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--format", "html", "--out", "-", "--no-state",
               "--templates", str(tmp_path / "tpl"))
    assert html.returncode == 0 and html.stdout.startswith("<!DOCTYPE html>")  # the rest still packaged


def test_config_prints_a_file_that_reads_back_as_the_same_config(cli, tmp_path):
    (tmp_path / "digest.toml").write_text('max_words = 300\nformats = ["text", "md"]\n[smtp]\nport = 2525\n')
    first = cli("config", "--config", str(tmp_path / "digest.toml"))
    assert first.returncode == 0, first.stderr
    assert "max_words = 300" in first.stdout and "port = 2525" in first.stdout and "# date = (unset)" in first.stdout
    (tmp_path / "printed.toml").write_text(first.stdout)
    again = cli("config", "--config", str(tmp_path / "printed.toml"))
    assert again.returncode == 0 and again.stdout == first.stdout


def test_help_and_config_start_without_loading_the_pipeline(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    probe = (
        "import sys, runpy; sys.argv = ['digest'] + sys.argv[1:]\n"
        "try:\n    runpy.run_module('digest', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('nltk' in sys.modules, file=sys.stderr)\n"
    )
    for args in (["--help"], ["config"]):
        r = subprocess.run([sys.executable, "-c", probe, *args], cwd=tmp_path, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
        assert r.stdout and r.stderr.strip().splitlines()[-1] == "False", (args, r.stderr)


def test_an_output_that_cannot_be_replaced_leaves_every_output_as_it_was(cli, tmp_path, write_article):
    out = tmp_path / "out"
    assert cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--no-state", "--out", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.glob("digest-*")}
    blocked = out / f"digest-{SAMPLE_DATE}.json"
    blocked.unlink()
    (blocked / "sub").mkdir(parents=True)
    write_article("other.txt", "Other News\n\nThe town of Selby opened a new library on Friday, the mayor said.\n")
    r = cli("run", str(tmp_path / "articles"), "--date", SAMPLE_DATE, "--no-state", "--out", str(out))
    assert r.returncode == 73 and r.stderr.count("\n") == 1
    assert f"{blocked}: cannot write output" in r.stderr
    after = {p.name: p.read_bytes() for p in out.glob("digest-*") if p.is_file()}
    assert after == {name: data for name, data in before.items() if name != blocked.name}
    assert not [p for p in out.iterdir() if p.name.startswith(".digest-tmp")]


def test_explain_is_written_when_the_digest_goes_to_stdout(cli, tmp_path):
    explain = tmp_path / "why" / "explain.json"
    r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--no-state", "--format", "json", "--out", "-",
            "--explain", str(explain))
    assert r.returncode == 0 and json.loads(r.stdout)["sections"]
    assert json.loads(explain.read_text())["merges"]


def test_template_mistakes_are_config_errors_naming_the_file(cli, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "text.j2").write_text("{{ digest.headline_of_the_day }}\n")
    (broken / "md.j2").write_text("{% for %}\n")
    out = tmp_path / "out"
    cases = [(["--templates", str(broken), "--format", "text"], f"{broken / 'text.j2'}: template error"),
             (["--templates", str(broken), "--format", "md"], "md.j2:1: template error"),
             (["--templates", str(tmp_path / "none"), "--format", "text"], "is not a folder")]
    for args, message in cases:
        r = cli("run", str(SAMPLE), "--date", SAMPLE_DATE, "--no-state", "--out", str(out), *args)
        assert r.returncode == 78 and r.stderr.count("\n") == 1 and message in r.stderr, (args, r.stderr)
        assert not out.exists() or not list(out.glob("digest-*"))


@pytest.mark.parametrize("where, value", [
    ("toml", "max_words = -3"), ("toml", "sentences = 0"), ("env", "DIGEST_MAX_WORDS=0"),
    ("flag", "--threshold=nan"), ("flag", "--threshold=150"),
])
def test_values_out_of_range_are_config_errors_from_any_source(cli, tmp_path, where, value):
    args, env = ["run", str(SAMPLE), "--no-state", "--format", "text", "--out", str(tmp_path / "out")], {}
    if where == "toml":
        (tmp_path / "digest.toml").write_text(value + "\n")
        args += ["--config", str(tmp_path / "digest.toml")]
    elif where == "env":
        name, _, setting = value.partition("=")
        env[name] = setting
    else:
        args.append(value)
    r = cli(*args, env=env)
    assert r.returncode == 78 and r.stderr.count("\n") == 1 and "expected" in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_usage_errors_point_to_the_right_help_and_a_huge_since_is_one(cli):
    r = cli("--bogus")
    assert r.returncode == 64 and "digest digest" not in r.stderr and "(see digest --help)" in r.stderr
    r = cli("run", str(SAMPLE), "--no-state", "--format", "text", "--out", "-", "--since", "99999999d")
    assert r.returncode == 64 and r.stderr.count("\n") == 1 and "--since" in r.stderr


def test_an_out_that_is_a_file_is_named_as_not_a_folder(cli, tmp_path):
    afile = tmp_path / "digest.txt"
    afile.write_text("keep me\n")
    for state in (["--no-state"], ["--state", str(tmp_path / "s.sqlite")]):
        r = cli("run", str(SAMPLE), "--out", str(afile), *state)
        assert r.returncode == 73 and f"{afile}: not a folder" in r.stderr and r.stderr.count("\n") == 1
    assert afile.read_text() == "keep me\n"


def test_a_broken_link_in_a_folder_is_a_warning_naming_it(cli, write_article, tmp_path):
    write_article("good.txt", "The harbour bridge reopened on Friday after three weeks of repairs.\n")
    (write_article.folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    r = cli("run", str(write_article.folder), "--date", SAMPLE_DATE, "--no-state", "--out", str(tmp_path / "out"))
    assert r.returncode == 0 and r.stderr.count("\n") == 1
    assert "warning" in r.stderr and "gone.txt" in r.stderr


@pytest.mark.parametrize("language, code", [("english_web", 0), ("malayalam", 78)])
def test_sumy_algorithms_take_punkt_variants_and_refuse_languages_they_lack(cli, tmp_path, language, code):
    (tmp_path / "digest.toml").write_text(f'language = "{language}"\n')
    r = cli("run", str(SAMPLE), "--config", str(tmp_path / "digest.toml"), "--algorithm", "lexrank",
            "--no-state", "--format", "text", "--out", "-")
    assert r.returncode == code, r.stderr
    assert ("Sources" in r.stdout) if code == 0 else (r.stderr.count("\n") == 1 and "malayalam" in r.stderr)


def test_a_failed_fsync_names_its_output_writes_none_and_leaves_no_temporary_file(tmp_path, monkeypatch, capsys):
    # The temporary files are fsynced side by side (output._fsync_all): a failure is still the run's.
    import errno
    import os

    from digest import output
    from digest.cli import main

    real, synced = os.fsync, []

    def fsync(fd: int) -> None:
        name = os.readlink(f"/proc/self/fd/{fd}").rpartition("/")[2]
        synced.append(name)
        if name.startswith(f".digest-tmp-digest-{SAMPLE_DATE}.json."):
            raise OSError(errno.EIO, "Input/output error")
        real(fd)

    monkeypatch.setattr(output.os, "fsync", fsync)
    out = tmp_path / "out"
    assert main(["run", str(SAMPLE), "--date", SAMPLE_DATE, "--no-state", "--out", str(out)]) == 73
    assert f"{out / f'digest-{SAMPLE_DATE}.json'}: cannot write output: Input/output error" in capsys.readouterr().err
    assert len([n for n in synced if n.startswith(".digest-tmp-")]) == 4
    assert [p.name for p in out.iterdir()] == [".digest.lock"]
