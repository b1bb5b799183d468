"""`kiosdesa prices` as an operator runs it: a real process, a real database file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import Kiosdesa, add_leping, assert_one_line_failure

HEADER = "kind,operator,code,name,price,commission\n"


@pytest.fixture
def kiosdesa(tmp_path: Path) -> Kiosdesa:
    return Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")


def test_operator_changes_a_default_price_and_sees_it_in_the_next_export(
    kiosdesa: Kiosdesa, tmp_path: Path
) -> None:
    add_leping(kiosdesa)

    exported = kiosdesa.ok("prices", "export", "LEPING")
    assert exported.startswith(HEADER)
    assert "topup,telkomsel,telkomsel-P10,Pulsa 10.000,11500,1000\n" in exported
    assert kiosdesa.ok("prices", "defaults", "LEPING") == exported

    changed = exported.replace(
        "telkomsel-P10,Pulsa 10.000,11500,1000", "telkomsel-P10,Pulsa 10.000,11000,800"
    )
    (tmp_path / "prices.csv").write_text(changed, encoding="utf-8")
    rows = len(exported.splitlines()) - 1
    assert kiosdesa.ok("prices", "import", "LEPING", "prices.csv") == (
        f"imported {rows} prices into LEPING: 0 added, {rows} updated\n"
    )

    again = kiosdesa.ok("prices", "export", "LEPING")
    assert "topup,telkomsel,telkomsel-P10,Pulsa 10.000,11000,800\n" in again
    assert sorted(again.splitlines()) == sorted(changed.splitlines())


def test_a_file_with_bad_lines_imports_nothing_and_names_each_one(
    kiosdesa: Kiosdesa, tmp_path: Path
) -> None:
    add_leping(kiosdesa)
    before = kiosdesa.ok("prices", "export", "LEPING")
    (tmp_path / "prices.csv").write_text(
        HEADER
        + "topup,telkomsel,TSEL-1,Pulsa 1.000,2000,\n"  # line 2: fine on its own
        + "topup,simpati,SMP-5,Pulsa 5.000,6500,1000\n"  # line 3: no such operator
        + "topup,xl,xl-P5,Pulsa 5.000,6500,7000\n",  # line 4: commission above the price
        encoding="utf-8",
    )

    done = kiosdesa("prices", "import", "LEPING", "prices.csv")

    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    problems = done.stderr.splitlines()
    assert problems[0].startswith("prices.csv:3: operator 'simpati' is not one of: telkomsel")
    assert problems[1] == "prices.csv:4: commission is more than the price"
    assert problems[2] == "nothing imported: 2 problems in prices.csv"
    assert len(problems) == 3
    assert kiosdesa.ok("prices", "export", "LEPING") == before


def test_a_chinese_center_exports_china_mobile_unicom_and_telecom_products(
    kiosdesa: Kiosdesa,
) -> None:
    kiosdesa.ok(
        "center", "add", "HEFEI", "--name", "Hefei Cun", "--manager", "42", "--currency", "CNY"
    )

    exported = kiosdesa.ok("prices", "export", "HEFEI")

    lines = exported.splitlines()[1:]
    assert {line.split(",")[1] for line in lines if line.startswith("topup")} == {
        "cmcc",
        "unicom",
        "telecom",
    }
    assert "bill,,fee,Service fee: bill,1.00,1.00" in lines
    assert "topup,cmcc,cmcc-H30,话费 30元,30.50,0.50" in lines
    assert kiosdesa.ok("prices", "defaults", "HEFEI") == exported


def test_the_defaults_are_shown_without_being_stored(kiosdesa: Kiosdesa, tmp_path: Path) -> None:
    add_leping(kiosdesa)
    (tmp_path / "prices.csv").write_text(
        HEADER + "topup,telkomsel,telkomsel-P5,Pulsa 5.000,6000,500\n", encoding="utf-8"
    )
    kiosdesa.ok("prices", "import", "LEPING", "prices.csv")

    defaults = kiosdesa.ok("prices", "defaults", "LEPING")

    assert "topup,telkomsel,telkomsel-P5,Pulsa 5.000,6500,1000\n" in defaults
    assert "topup,telkomsel,telkomsel-P5,Pulsa 5.000,6000,500\n" in (
        kiosdesa.ok("prices", "export", "LEPING")
    )


def test_an_unknown_center_is_one_line(kiosdesa: Kiosdesa, tmp_path: Path) -> None:
    (tmp_path / "prices.csv").write_text(HEADER, encoding="utf-8")

    for args in (("export", "NOWHERE"), ("import", "NOWHERE", "prices.csv")):
        done = kiosdesa("prices", *args)
        assert done.returncode == 2
        assert assert_one_line_failure(done) == "kiosdesa: no center with code NOWHERE"


def test_importing_a_missing_file_says_which(kiosdesa: Kiosdesa) -> None:
    add_leping(kiosdesa)

    line = assert_one_line_failure(kiosdesa("prices", "import", "LEPING", "nope.csv"))

    assert line.startswith("kiosdesa: cannot read nope.csv")


def test_help_lists_the_prices_command(kiosdesa: Kiosdesa) -> None:
    assert "\n    prices " in kiosdesa.ok("--help")
    assert "defaults" in kiosdesa.ok("prices", "--help")
