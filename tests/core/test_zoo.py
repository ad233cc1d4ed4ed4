"""Tests for mlsysim_core.zoo: sizes, provenance, pinned datasheet numbers, look-up and listing API.

Pinned numbers are the datasheet values recorded in /work/shared/reference/datasheets.md; the grid
provenance test compares each grid to the value its cited source gives, within a stated tolerance.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import pytest

from mlsysim_core.units import si
from mlsysim_core.zoo import Datacenters, Grids, Hardware, Models, Systems, UnknownEntryError

GiB = 2**30


def _tf(q) -> float:
    return si(q, "compute_rate") / 1e12


def _gbs(q) -> float:
    return si(q, "bandwidth") / 1e9


# ------------------------------------------------------------------------------------------------ sizes
def test_counts():
    assert len(Hardware) >= 20
    assert len(Models) >= 15
    assert len(Grids) >= 10
    assert len(Systems.Fabrics) >= 8 and len(Systems.Nodes) >= 4 and len(Systems.Clusters) >= 6
    assert len(Datacenters) >= 3
    assert len(list(Hardware)) == len(Hardware.names()) == len(Hardware)


def test_hardware_spans_tiny_to_wafer():
    cats = {hw.category for hw in Hardware}
    assert {"tiny", "mobile", "edge", "workstation", "cloud", "wafer"} <= cats
    for key in ("H100", "A100", "H200", "B200", "MI300X", "TPUv4", "TPUv5p", "TPUv5e", "Gaudi3", "V100",
                "CerebrasCS3"):
        assert Hardware.Cloud.has_key(key), key
    assert Hardware.Cloud.CerebrasCS3.category == "wafer"
    assert Hardware.Workstation.RTX4090 and Hardware.Workstation.MacBookM3Max
    assert Hardware.Edge.JetsonOrinNX and Hardware.Edge.JetsonAGXOrin
    assert Hardware.Mobile.iPhone15Pro and Hardware.Mobile.Snapdragon8Gen3
    assert Hardware.Tiny.ESP32_S3 and Hardware.Tiny.nRF52840


def test_model_groups():
    assert isinstance(Models.Language.Llama3_70B.parameters, float)
    assert Models.Vision.ResNet50.family == "cnn"
    assert Models.StateSpace.Mamba_2_8B.family == "ssm"
    assert Models.Generative.StableDiffusion_v1_5.family == "diffusion"
    assert Models.Tiny.DS_CNN.family == "cnn"
    assert Models.Language.Mixtral_8x7B.family == "moe"


# ------------------------------------------------------------------------------------------------ provenance
def _all_entries_with_provenance():
    for zoo in (Hardware, Models, Grids):
        for key, entry in zoo.items():
            yield f"{zoo.label}.{key}", entry.provenance
    for gname, group in Systems.groups.items():
        for key, entry in group.items():
            yield f"Systems.{gname}.{key}", entry.provenance
    for key in Datacenters.names():
        yield f"Datacenters.{key}", Datacenters.provenance_of(key)


@pytest.mark.parametrize("label,prov", list(_all_entries_with_provenance()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_entry_has_provenance(label, prov):
    assert prov is not None, label
    assert prov.source.startswith("https://"), label
    assert isinstance(prov.verified, dt.date) and prov.verified.year >= 2025, label
    assert prov.kind in {"datasheet", "paper", "vendor", "estimate", "derived", "government", "dataset"}


def test_disagreements_are_noted():
    notes = Hardware.B200.provenance.notes
    assert "192" in notes and "8 TB/s" in notes and "7.7" in notes
    assert "0.4" in Grids.Quebec.provenance.notes  # direct rate mentioned, lifecycle choice explained
    assert "1.2 Tb/s" in Hardware.CerebrasCS3.provenance.notes


# ------------------------------------------------------------------------------------------------ pinned numbers
def test_h100():
    h = Hardware.Cloud.H100
    assert _tf(h.compute.peak_flops) == pytest.approx(989, rel=2e-3)
    assert _gbs(h.memory.bandwidth) == pytest.approx(3350)
    assert si(h.memory.capacity, "information") == 80 * GiB
    assert _tf(h.compute.precision_flops["fp8"]) == pytest.approx(1979, rel=1e-3)
    assert h.scale_up.direction == "bidirectional_total"
    assert h.si.scale_up_bw == pytest.approx(450e9)  # per direction = 900 / 2
    assert h.si.host_bw == pytest.approx(64e9)
    assert h.si.tdp == 700 and h.si.embodied_kg == 164
    assert h.si.storage_bw == pytest.approx(7e9)


def test_a100_b200_mi300x_tpu_gaudi():
    a = Hardware.Cloud.A100
    assert _tf(a.compute.peak_flops) == 312 and _gbs(a.memory.bandwidth) == pytest.approx(2039)
    assert a.si.embodied_kg == 150
    b = Hardware.Cloud.B200
    assert _tf(b.compute.peak_flops) == 2250 and _tf(b.compute.precision_flops["fp4"]) == 9000
    m = Hardware.Cloud.MI300X
    assert _tf(m.compute.peak_flops) == pytest.approx(1307, rel=1e-3)
    assert si(m.memory.capacity, "information") == 192 * GiB
    assert _gbs(m.memory.bandwidth) == pytest.approx(5300)
    t = Hardware.Cloud.TPUv5p
    assert _tf(t.compute.peak_flops) == 459 and _gbs(t.memory.bandwidth) == pytest.approx(2765)
    assert si(t.memory.capacity, "information") == 95 * GiB
    g = Hardware.Cloud.Gaudi3
    assert _tf(g.compute.peak_flops) == 1835 and _gbs(g.memory.bandwidth) == pytest.approx(3670)
    assert si(g.memory.capacity, "information") == 128 * GiB


def test_wafer_and_mcu_memory_tiers():
    cs3 = Hardware.CerebrasCS3
    assert si(cs3.memory.sram_capacity, "information") == 44e9
    assert si(cs3.memory.sram_bandwidth, "bandwidth") == pytest.approx(21e15)
    assert cs3.scale_up.direction == "per_direction"
    assert cs3.si.scale_up_bw == pytest.approx(150e9)  # 1.2 Tb/s = 150 GB/s
    esp = Hardware.Tiny.ESP32_S3
    assert si(esp.memory.sram_capacity, "information") == 512 * 1024
    assert esp.memory.flash_capacity is not None and esp.si.flash_bw > 0


def test_model_numbers():
    l70 = Models.Language.Llama3_70B
    assert l70.parameters == 70.6e9 and l70.layers == 80 and l70.kv_heads == 8
    # KV per token = 2 * L * H_kv * d_head * b = 2 * 80 * 8 * 128 * 2 B = 327,680 B
    assert l70.si("fp16").kv_bytes_per_token == 327_680
    assert Models.Language.Llama3_405B.layers == 126 and Models.Language.Llama3_405B.hidden_dim == 16384
    assert Models.Language.GPT3.parameters == 175e9 and Models.Language.GPT3.training_tokens == 300e9
    assert Models.Language.Llama2_7B.training_tokens == 2e12
    assert Models.Language.Llama3_8B.training_tokens == 15e12
    r50 = Models.Vision.ResNet50
    assert r50.si().ops == pytest.approx(8.2e9) and r50.parameters == 25.6e6
    mix = Models.Language.Mixtral_8x7B
    assert (mix.parameters, mix.active_parameters, mix.experts, mix.active_experts_per_token) == (46.7e9, 12.9e9, 8, 2)
    ds = Models.Language.DeepSeek_V3
    assert ds.experts == 256 and ds.active_experts_per_token == 8 and ds.kv_lora_rank == 512
    assert ds.si("fp16").kv_bytes_per_token == 61 * (512 + 64) * 2  # MLA latent cache
    assert Models.Language.BERT_Base.role == "encoder" and Models.Language.BERT_Base.sample_unit == "sequence"
    sd = Models.Generative.StableDiffusion_v1_5
    assert sd.denoising_steps == 50 and sd.si().ops == pytest.approx(50 * 678e9)
    assert Models.StateSpace.Mamba_130M.state_size == 16


@pytest.mark.parametrize("key", Models.names())
@pytest.mark.parametrize("precision", ["fp16", "int4"])
def test_lower_every_model(key, precision):
    m = Models.get(key)
    g = m.lower(precision)
    assert g.precision == precision
    assert si(g.weight_bytes, "information") == pytest.approx(m.parameters * (2.0 if precision == "fp16" else 0.5))
    assert si(g.ops_per_sample, "compute") > 0
    assert si(g.active_parameter_count, "parameters") <= si(g.parameter_count, "parameters")


# ------------------------------------------------------------------------------------------------ derived physics
def test_ridge_points_sane():
    assert Hardware.H100.ridge_point().magnitude == pytest.approx(295, rel=0.01)  # 989.4 TF / 3.35 TB/s
    assert Hardware.A100.ridge_point().magnitude == pytest.approx(153, rel=0.01)  # 312 / 2.039
    for hw in Hardware.Cloud.list(where=lambda h: h.category == "cloud"):
        assert 100 < hw.ridge_point().magnitude < 600, hw.name
    for hw in Hardware:
        r = hw.ridge_point().magnitude
        assert math.isfinite(r) and r > 0, hw.name


@pytest.mark.parametrize("key", Hardware.names())
def test_hardware_si_and_precisions(key):
    hw = Hardware.get(key)
    s = hw.si
    assert s.peak > 0 and s.mem_bw > 0 and s.mem_capacity > 0
    for p in ("fp32", "fp16", "bf16", "fp8", "int8", "int4"):
        assert hw.peak_si(p) > 0
    assert hw.release_year and 2015 <= hw.release_year <= 2026


def test_systems():
    assert Systems.Clusters.Training_1K.total_accelerators == 1024
    assert Systems.Clusters.Lab_64_H100.total_accelerators == 64
    assert Systems.Clusters.Llama3_16K.total_accelerators == 16384
    assert Systems.Clusters.Capstone_512.region is Grids.Quebec
    assert Systems.Clusters.Frontier_8K.fabric is Systems.Fabrics.InfiniBand_NDR
    dgx = Systems.Nodes.DGX_H100
    assert dgx.accelerator is Hardware.H100 and dgx.accelerators_per_node == 8
    assert dgx.intra_bw_si == pytest.approx(450e9) and dgx.psus_per_node == 6 and dgx.nics_per_node == 8
    assert Systems.Nodes.DGX_B200.intra_bw_si == pytest.approx(900e9)
    assert Systems.Fabrics.InfiniBand_NDR.bw_si == pytest.approx(50e9)
    assert Systems.Fabrics.InfiniBand_NDR.latency_si == pytest.approx(5e-6)
    assert Systems.Fabrics.Ethernet_100G.latency_si == pytest.approx(50e-6)
    assert Systems.Fabrics.RoCE_400G.latency_si == pytest.approx(10e-6)
    assert Systems.Fabrics.InfiniBand_XDR.bw_si == pytest.approx(100e9)
    # TPU v4 ICI: 6 links × 45 GB/s per direction = 270 GB/s (540 GB/s send+receive); PaLM's 2 × 3 072-chip pods
    tpu = Hardware.TPUv4
    assert tpu.scale_up is not None and tpu.scale_up.bandwidth.to("GB/s").magnitude == pytest.approx(540)
    assert "6 links" in tpu.provenance.notes
    palm = Systems.Clusters.PaLM_6144
    assert palm.total_accelerators == 6144 and palm.node.accelerator is tpu
    assert palm.node.intra_bw_si == pytest.approx(270e9) and palm.provenance.kind == "paper"
    assert Systems.Fabrics.TPU_DCN_v4.provenance.kind == "estimate"
    assert Systems.DGX_H100 is dgx  # flat access across groups


def test_datacenters():
    q = Datacenters.Quebec_Hydro
    assert q.pue == 1.06 and q.wue.to("L/kWh").magnitude == 0 and q.grid is Grids.Quebec
    assert Datacenters.Poland_Coal.pue == Grids.Poland.pue  # no override


# ------------------------------------------------------------------------------------------------ grid provenance
# (zoo key, value given by the cited source in gCO2e/kWh, relative tolerance we accept, basis)
CITED_GRIDS = [
    ("Poland", 662, 0.05, "Ember 2023"),
    ("Iowa", 306, 0.10, "derived from EIA 2022 mix x EIA fuel factors"),
    ("US_Avg", 367, 0.10, "EIA 2023 0.81 lb/kWh"),
    ("France", 56, 0.10, "Ember/OWID 2023"),
    ("Norway", 30, 0.15, "Ember 2023"),
    ("India", 713, 0.05, "Ember 2023"),
    ("Singapore", 470, 0.10, "Ember/OWID 2023"),
    ("Germany", 380, 0.10, "Ember/OWID 2023"),
    ("China", 560, 0.10, "Ember/OWID 2023"),
    ("Iceland", 28, 0.20, "Ember/OWID 2023"),
    ("Texas", 370, 0.15, "EPA eGRID ERCT ~350-400"),
    ("California", 210, 0.25, "EPA eGRID CAMX ~200-230"),
    ("Quebec", 24, 0.25, "IPCC AR5 lifecycle hydro median (direct rate 0.4 is generation-only)"),
]


@pytest.mark.parametrize("key,cited,tol,basis", CITED_GRIDS, ids=[c[0] for c in CITED_GRIDS])
def test_grid_matches_cited_source(key, cited, tol, basis):
    assert Grids.get(key).carbon_intensity_g_kwh == pytest.approx(cited, rel=tol), basis


def test_grid_fields_sane():
    for g in Grids:
        assert 1.0 <= g.pue <= 1.7
        assert 0 <= g.wue_l_kwh <= 3
        assert 0.01 <= g.price_usd_kwh <= 0.5
        assert g.lat is not None and g.lon is not None and g.renewable_pct is not None
    assert Grids.Poland.carbon_intensity_g_kwh / Grids.Quebec.carbon_intensity_g_kwh > 20


# ------------------------------------------------------------------------------------------------ registry API
def test_get_is_case_insensitive_and_accepts_display_names():
    assert Hardware.get("h100") is Hardware.Cloud.H100 is Hardware.H100
    assert Hardware.get("NVIDIA H100 SXM5 80GB") is Hardware.H100
    assert Hardware.get("tpu v5p") is Hardware.TPUv5p
    assert Hardware.get("esp32-s3") is Hardware.Tiny.ESP32_S3
    assert Models.get("llama3_70b") is Models.Language.Llama3_70B
    assert Grids.get("quebec") is Grids.Quebec
    assert Systems.get("dgx_h100") is Systems.Nodes.DGX_H100
    assert "h100" in Hardware and "H100" in Hardware.Cloud and "Nope" not in Hardware
    assert Hardware.H100 in Hardware
    assert Hardware.get("nope", None) is None


def test_unknown_name_lists_close_matches():
    with pytest.raises(KeyError) as exc:
        Hardware.get("H10")
    msg = str(exc.value)
    assert "H10" in msg and "Did you mean" in msg and "H100" in msg
    with pytest.raises(AttributeError):
        Hardware.Cloud.H1000
    with pytest.raises(UnknownEntryError, match="Llama3_70B"):
        Models.get("Llama3_70")
    assert not hasattr(Hardware, "NotADevice")


def test_list_sorting():
    by_peak = Hardware.list(sort_by="peak_flops", descending=True)
    assert by_peak[0] is Hardware.CerebrasCS3 and by_peak[-1] is Hardware.nRF52840
    peaks = [hw.si.peak for hw in by_peak]
    assert peaks == sorted(peaks, reverse=True)
    by_bw = Hardware.list(sort_by="memory_bandwidth")
    assert [h.si.mem_bw for h in by_bw] == sorted(h.si.mem_bw for h in Hardware)
    years = [h.release_year for h in Hardware.list(sort_by="release_year")]
    assert years == sorted(years)
    caps = Hardware.Cloud.list(sort_by="memory.capacity", descending=True)
    assert caps[0] is Hardware.MI300X  # 192 GiB > 180 GiB (B200)
    # quantities compare in base units: 44 GB (decimal) of SRAM < 80 GiB
    assert Hardware.Cloud.list("memory.capacity").index(Hardware.CerebrasCS3) < \
        Hardware.Cloud.list("memory.capacity").index(Hardware.H100)
    # entries without the field go last, in either direction
    by_tdp = Hardware.Cloud.list(sort_by="tdp", descending=True)
    assert by_tdp[0] is Hardware.CerebrasCS3 and by_tdp[-1].tdp is None
    cloud = Hardware.list(sort_by="peak_flops", where=lambda h: h.category == "cloud")
    assert all(h.category == "cloud" for h in cloud) and len(cloud) >= 10
    assert Models.list(sort_by=lambda m: m.parameters)[-1] is Models.Language.GPT4
    assert [g.name for g in Grids.list("carbon_intensity")][0].startswith("Quebec")
    with pytest.raises(ValueError, match="unknown field"):
        Hardware.list(sort_by="no_such_field")


def test_table_rows_are_plain():
    rows = Hardware.table(["peak_flops", "memory.capacity", "scale_up.bandwidth"], sort_by="peak_flops")
    assert len(rows) == len(Hardware)
    assert rows[-1]["key"] == "CerebrasCS3" and rows[-1]["peak_flops"].endswith("PFLOP/s")
    for row in rows:
        for value in row.values():
            assert value is None or isinstance(value, (str, int, float, bool))
    assert Grids.table()[0]["key"] == "Quebec"
    assert Systems.Clusters.table()[0]["total_accelerators"] == 64


def test_zoo_is_read_only_and_groups_visible():
    with pytest.raises(AttributeError):
        Hardware.Cloud.H100 = None
    assert set(Hardware.groups) == {"Cloud", "Workstation", "Edge", "Mobile", "Tiny"}
    assert Hardware.group_of("esp32_s3") == "Tiny"
    assert "H100" in dir(Hardware.Cloud) and "Cloud" in dir(Hardware)


def test_top_level_exports_are_the_same_objects():
    import mlsysim_core

    assert mlsysim_core.Hardware is Hardware and mlsysim_core.Grids is Grids


def test_import_is_lazy():
    code = ("import sys, mlsysim_core.zoo as z; "
            "assert 'mlsysim_core.types' not in sys.modules, 'zoo import built entries'; "
            "z.Hardware.Cloud.H100; assert 'mlsysim_core.types' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
