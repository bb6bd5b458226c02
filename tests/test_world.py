"""The world data files (countries, sectors, firms, hubs) load, validate and drive the model."""

import copy
import json
import math
import re
import shutil
import tomllib
from importlib import resources

import pytest

from aiblocs import AIBlocsModel, run
from aiblocs.model.world import BLOCS, FILES, REGIONS, load_file, load_world, parse_file


def shipped(file):
    """The packaged file's tables as plain data, to be edited by a test."""
    return tomllib.loads((resources.files("aiblocs.model.data") / file).read_text())


def dump(data):
    """A minimal TOML writer for arrays of flat tables (all the data files use)."""

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, float) and math.isnan(v):
            return "nan"
        return repr(v)

    lines = []
    for key, rows in data.items():
        for row in rows:
            lines += [f"[[{key}]]", *(f"{k} = {value(v)}" for k, v in row.items()), ""]
    return "\n".join(lines)


def entry(data, key, name):
    return next(row for row in data[key] if row["name"] == name)


def edited(file, key, who, **changes):
    """The shipped file with fields of entry ``who`` changed (``None`` deletes a field)."""
    data = copy.deepcopy(shipped(file))
    row = entry(data, key, who)
    for k, v in changes.items():
        if v is None:
            del row[k]
        else:
            row[k] = v
    return data


def check(file, data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_file(dump(data), file)


# --- the shipped tables --------------------------------------------------------------------


def test_shipped_tables_load_and_weights_sum_to_one():
    w = load_world()
    for records in (w.designers, w.clouds, w.labs):
        for bloc in BLOCS:
            weights = [r.weight for r in records if r.bloc == bloc]
            assert weights and math.isclose(math.fsum(weights), 1.0, abs_tol=1e-12)
    for region in REGIONS:
        weights = [c.weight for c in w.countries if c.region == region]
        assert weights and math.isclose(math.fsum(weights), 1.0, abs_tol=1e-12)
    assert math.isclose(math.fsum(s.share for s in w.sectors), 1.0, abs_tol=1e-12)
    assert math.isclose(math.fsum(h.weight for h in w.hubs), 1.0, abs_tol=1e-12)
    assert [h.east for h in w.hubs].count(True) == 4 and len(w.hubs) == 8  # EDWC [4]
    assert [s.name for s in w.sectors] == ["manufacturing", "services", "government"]


def test_shipped_files_match_the_packaged_world(tmp_path):
    for file in FILES:
        shutil.copy(resources.files("aiblocs.model.data") / file, tmp_path / file)
    assert load_world(tmp_path) == load_world()


def test_model_is_built_from_the_world_records():
    m = AIBlocsModel("historical", rng=0, n_adopters=300)
    w = m.world
    assert [d.name for d in m.designers] == [d.name for d in w.designers]
    assert [c.name for c in [*m.us_clouds, *m.cn_clouds]] == [c.name for c in w.clouds]
    assert [lab.openness for lab in m.labs] == [lab.openness for lab in w.labs]
    assert [(h.name, h.east, h.weight) for h in m.provinces] == [
        (h.name, h.east, h.weight) for h in w.hubs
    ]
    amd = next(d for d in m.designers if d.name == "AMD-like")
    assert amd.ecosystem == 0.75 * m.p.ecosystem_us and amd.cost_mult == 0.85
    gs = [c.name for c in w.countries if c.region == "GS"]
    assert list(m.gs_govs) == gs
    assert len(m.cohorts) == len(w.countries) * len(w.sectors)


# --- bad inputs: each names the file, the entry and the field ----------------------------


def test_missing_field():
    data = edited("firms.toml", "designer", "AMD-like", cost_mult=None)
    check("firms.toml", data, "firms.toml: designer 'AMD-like': missing field 'cost_mult'")


def test_unknown_field():
    data = edited("hubs.toml", "hub", "Gansu", colour="red")
    check("hubs.toml", data, "hubs.toml: hub 'Gansu': unknown field(s) ['colour']")


def test_flag_of_wrong_type():
    data = edited("hubs.toml", "hub", "Guizhou", east=1)
    check("hubs.toml", data, "hubs.toml: hub 'Guizhou': field 'east' = 1 must be true or false")


def test_number_of_wrong_type():
    data = edited("countries.toml", "country", "Kenya", income="high")
    check(
        "countries.toml",
        data,
        "countries.toml: country 'Kenya': field 'income' = 'high' must be (0, 1000] (USD thousand)",
    )


def test_value_out_of_range():
    data = edited("countries.toml", "country", "India", infra=1.5)
    check(
        "countries.toml",
        data,
        "countries.toml: country 'India': field 'infra' = 1.5 is outside its allowed range "
        "[0, 1] (index)",
    )


def test_nan_is_out_of_range():
    data = edited("sectors.toml", "sector", "services", afford=math.nan)
    check("sectors.toml", data, "sectors.toml: sector 'services': field 'afford' = nan is outside")


def test_zero_weight_is_refused():
    data = edited("firms.toml", "cloud", "GCP-like", weight=0.0)
    check(
        "firms.toml",
        data,
        "firms.toml: cloud 'GCP-like': field 'weight' = 0.0 is outside its allowed range "
        "(0, 1] (share)",
    )


def test_unknown_choice():
    data = edited("firms.toml", "lab", "Kimi-like", bloc="EU")
    check(
        "firms.toml", data, "firms.toml: lab 'Kimi-like': field 'bloc' = 'EU' must be one of US, CN"
    )


def test_entry_without_a_name_is_named_by_position():
    data = edited("hubs.toml", "hub", "Gansu", name=None)
    check("hubs.toml", data, "hubs.toml: hub #7: missing field 'name'")


def test_duplicate_names():
    data = copy.deepcopy(shipped("firms.toml"))
    entry(data, "designer", "AMD-like")["name"] = "Nvidia-like"
    check("firms.toml", data, "firms.toml: designer 'Nvidia-like' appears more than once")


def test_firm_weights_must_sum_to_one_per_bloc():
    data = edited("firms.toml", "designer", "AMD-like", weight=0.2)
    check(
        "firms.toml",
        data,
        "firms.toml: field 'weight' of the designer entries of bloc 'US' sums to 1.05, not 1",
    )


def test_country_weights_must_sum_to_one_per_region():
    data = edited("countries.toml", "country", "India", weight=0.4)
    check(
        "countries.toml",
        data,
        "countries.toml: field 'weight' of the country entries of region 'GS' sums to 1.1, not 1",
    )


def test_sector_shares_must_sum_to_one():
    data = edited("sectors.toml", "sector", "government", share=0.2)
    check("sectors.toml", data, "sectors.toml: field 'share' of the sector entries sums to 1.1")


def test_hub_weights_must_sum_to_one():
    data = edited("hubs.toml", "hub", "Ningxia", weight=0.07)
    check("hubs.toml", data, "hubs.toml: field 'weight' of the hub entries sums to 0.9, not 1")


def test_every_bloc_and_region_needs_an_entry():
    data = copy.deepcopy(shipped("firms.toml"))
    data["lab"] = [row for row in data["lab"] if row["bloc"] == "US"]
    check("firms.toml", data, "firms.toml: no lab of bloc 'CN'")
    data = copy.deepcopy(shipped("countries.toml"))
    data["country"] = [row for row in data["country"] if row["region"] != "CN"]
    check("countries.toml", data, "countries.toml: no country of region 'CN'")


def test_unknown_and_missing_tables():
    data = {**shipped("firms.toml"), "chip": [{"name": "x"}]}
    check("firms.toml", data, "firms.toml: unknown table(s) ['chip']")
    data = {k: v for k, v in shipped("firms.toml").items() if k != "cloud"}
    check("firms.toml", data, "firms.toml: expected a non-empty array of [[cloud]] tables")


def test_invalid_toml():
    with pytest.raises(ValueError, match=re.escape("sectors.toml is not valid TOML")):
        parse_file("[[sector]\nname = 1", "sectors.toml")


def test_load_world_names_the_path_of_a_bad_file(tmp_path):
    for file in FILES:
        shutil.copy(resources.files("aiblocs.model.data") / file, tmp_path / file)
    data = edited("hubs.toml", "hub", "Gansu", optimism_mult=-1.0)
    (tmp_path / "hubs.toml").write_text(dump(data))
    path = tmp_path / "hubs.toml"
    with pytest.raises(ValueError, match=re.escape(f"{path}: hub 'Gansu': field 'optimism_mult'")):
        load_world(tmp_path)
    (tmp_path / "sectors.toml").unlink()
    with pytest.raises(ValueError, match=re.escape("sectors.toml: cannot read it")):
        load_file(tmp_path / "sectors.toml")
    with pytest.raises(ValueError, match="not a world data file"):
        load_file(tmp_path / "other.toml")


# --- the constants moved out of the code are live parameters ----------------------------


@pytest.mark.parametrize(
    ("override", "column"),
    [
        ({"ai_plus_start": "2023Q1"}, "adoption_cn"),
        ({"rd_retention": 0.9}, "cn_domestic_perf"),
        ({"latency_remote": 0.0}, "gs_share_us_stack"),
        ({"cn_demand_util0": 1.2}, "capability_cn"),  # China is never short: via use
        ({"hub_fleet_share0": 1.0}, "cn_hub_compute"),
    ],
)
def test_moved_constants_change_the_run(override, column):
    kw = {"n_adopters": 1000, "end": "2027Q4"}
    base, changed = run("historical", 1, **kw), run("historical", 1, **kw, **override)
    assert not base[column].equals(changed[column])
