"""Bad input → InputError naming the field; an infeasible design → a result (feasible=False, binding wall).

Table-driven over EVERY resolver and EVERY parameter of its ``solve``: each parameter is classified
(integer, fraction, positive number, quantity of a kind, object, precision, choice, flag) and every class
has its list of invalid values (negative, zero where zero is meaningless, NaN, ±inf, non-integral,
wrong type, wrong unit such as "3 GB" for a bandwidth, unknown precision "fp7", unknown name). Each bad
value must raise :class:`InputError` (a ``ValueError``) whose ``field``/message names the parameter — never
TypeError, ZeroDivisionError, KeyError or a silent NaN.

Type construction (pydantic) must raise ``ValidationError`` locating the field.
"""

import inspect
import math

import pytest
from pydantic import ValidationError

from mlsysim_core import (
    Q_, CNNWorkload, ComputeCore, Datacenter, Fleet, GridProfile, Hardware, HardwareNode, InputError, MemoryHierarchy,
    Models, NetworkFabric, Node, Scenario, Systems, TransformerWorkload,
)
from mlsysim_core.resolvers import all_resolvers
from mlsysim_core.zoo import Datacenters, Grids, UnknownEntryError

RESOLVERS = all_resolvers()

H100, A100, CS3 = Hardware.H100, Hardware.A100, Hardware.CerebrasCS3
L8, L70, L405 = Models.Llama3_8B, Models.Llama3_70B, Models.Llama3_405B
RESNET, MIXTRAL = Models.ResNet50, Models.Mixtral_8x7B
LAB = Systems.Clusters.Lab_64_H100
NDR = Systems.Fabrics.InfiniBand_NDR

# ------------------------------------------------------------------------------------------------
# Parameter classes and their invalid values
# ------------------------------------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")

_INT = [("zero", 0), ("negative", -1), ("fractional", 1.5), ("nan", NAN), ("inf", INF), ("string", "3"),
        ("bool", True), ("list", [1])]
_INT0 = [c for c in _INT if c[0] != "zero"]  # ≥ 0 integers (zero is meaningful)
_FRAC = [("negative", -0.1), ("above_one", 1.5), ("nan", NAN), ("inf", INF), ("string", "0.5"), ("list", [0.5])]
_FRAC_POS = _FRAC + [("zero", 0.0)]  # (0, 1]
_NONNEG = [("negative", -1.0), ("nan", NAN), ("inf", INF), ("-inf", -INF), ("string", "x"), ("list", [1])]
_POS = _NONNEG + [("zero", 0.0)]
_GE1 = _POS + [("below_one", 0.5)]
_OBJ = [("string", "H100"), ("unknown_zoo_name", "NoSuchDevice9000"), ("number", 42), ("nan", NAN), ("list", [1])]
_PRECISION = [("unknown_precision", "fp7"), ("number", 16), ("empty", ""), ("nan", NAN)]
_CHOICE = [("unknown_choice", "no-such-option"), ("number", 3), ("nan", NAN)]
_FLAG = [("string", "yes"), ("nan", NAN), ("list", [1])]
# the serving layout shared by the serving family (tp_size, ep_size, kv_precision, memory_efficiency, node)
_LAYOUT = dict(tp_size=_INT + [("larger_than_heads_is_fine_but_not_this", "8")],
               ep_size=_INT + [("ep_on_a_dense_model", 2)],
               kv_precision=_PRECISION + [("four_bit", "int4")], memory_efficiency=_FRAC_POS,
               node=_OBJ + [("node_of_another_accelerator", Systems.Nodes.DGX_A100)])


def _qty(unit, wrong="3 GB", zero_ok=False, number_ok=False):
    """Invalid values of a quantity parameter whose valid unit is ``unit``."""
    cases = [
        ("negative", f"-3 {unit}"), ("nan", Q_(NAN, unit)), ("inf", Q_(INF, unit)), ("nan_string", f"nan {unit}"),
        ("wrong_unit", wrong), ("unparseable", "3 furlongs per fortnight"), ("list", [1]),
    ]
    if not zero_ok:
        cases.append(("zero", Q_(0, unit)))
    if number_ok:  # plain numbers are read in the unit the parameter name says: check them like numbers
        cases += [(f"num_{t}", v) for t, v in (_NONNEG if zero_ok else _POS)]
    else:
        cases.append(("bare_number", 3.0))
    return cases


TIME, BW = _qty("s"), _qty("GB/s", wrong="3 GB")

# resolver → (valid base call, {param: invalid-value list}). Every parameter of solve() must be classified.
SPEC = {
    "SingleNodeModel": (
        dict(model=L8, hardware=H100, batch_size=4),
        dict(model=_OBJ, hardware=_OBJ, batch_size=_INT, precision=_PRECISION, efficiency=_FRAC_POS,
             raise_errors=_FLAG, memory_efficiency=_FRAC_POS),
    ),
    "EfficiencyModel": (
        dict(hardware=H100, model=L8, workload_type="attention", use_flash_attention=True),
        dict(hardware=_OBJ, model=_OBJ, workload_type=_CHOICE, use_flash_attention=_FLAG, precision=_PRECISION,
             efficiency=_FRAC_POS),
    ),
    "ServingModel": (
        dict(model=L8, hardware=H100, seq_len=2048, batch_size=4, decode_hardware=A100, draft_model=Models.Llama2_7B,
             prefill_chunk_tokens=512, cached_prefix_len=16, network_bandwidth="50 GB/s"),
        dict(model=_OBJ, hardware=_OBJ, seq_len=_INT, batch_size=_INT, precision=_PRECISION, efficiency=_FRAC_POS,
             decode_hardware=_OBJ, network_bandwidth=BW, draft_model=_OBJ, draft_acceptance_rate=_FRAC,
             speculative_tokens=_INT, cached_prefix_len=_INT0 + [("not_below_seq_len", 2048)],
             prefill_chunk_tokens=_INT, **_LAYOUT),
    ),
    "ContinuousBatchingModel": (
        dict(model=L8, hardware=H100, max_seq_len=4096, mean_request_tokens=1000),
        dict(model=_OBJ, hardware=_OBJ, max_seq_len=_INT, max_batch_size=_INT, page_size=_INT,
             mean_request_tokens=_POS + [("above_max_seq_len", 5000)], precision=_PRECISION, efficiency=_FRAC_POS,
             seq_len=_INT,  # seq_len (old name) together with max_seq_len is itself an error
             **_LAYOUT),
    ),
    "WeightStreamingModel": (
        dict(model=L70, hardware=CS3, seq_len=2048, batch_size=8, injection_bandwidth="1.2 TB/s"),
        dict(model=_OBJ, hardware=_OBJ, seq_len=_INT, batch_size=_INT, precision=_PRECISION, efficiency=_FRAC_POS,
             phase=_CHOICE, injection_bandwidth=BW, kv_precision=_LAYOUT["kv_precision"]),
    ),
    "TailLatencyModel": (
        dict(arrival_rate_qps=50, service_latency_ms=20, num_replicas=2, slo_latency="200 ms"),
        dict(arrival_rate_qps=_NONNEG, service_latency_ms=_POS, num_replicas=_INT, service_time_cv=_NONNEG,
             arrival_rate=_qty("req/s", zero_ok=True),  # with arrival_rate_qps also given: "exactly one of"
             service_latency=TIME, slo_latency=TIME),
    ),
    "DataModel": (
        dict(workload_data_rate="2 GB/s", hardware=H100),
        dict(workload_data_rate=_qty("GB/s", zero_ok=True), hardware=_OBJ),
    ),
    "TransformationModel": (
        dict(batch_size=256, sample_size="150 kB", cpu_throughput="1 GB/s", accelerator_step_time="30 ms"),
        dict(batch_size=_INT, sample_size=_qty("kB", wrong="3 GB/s"), cpu_throughput=BW, accelerator_step_time=TIME),
    ),
    "TopologyModel": (
        dict(fabric=NDR, topology="fat_tree", num_nodes=64, oversubscription=2.0),
        dict(fabric=_OBJ, topology=_CHOICE, num_nodes=_INT + [("one", 1)], oversubscription=_GE1),
    ),
    "ScalingModel": (
        dict(compute_budget=Q_(5.76e23, "flop"), target_model_size=70e9, hardware=H100, mfu=0.4),
        dict(compute_budget=_qty("flop", wrong="3 GB"), target_model_size=_POS + [("wrong_unit", "3 GB")],
             hardware=_OBJ, mfu=_FRAC_POS),
    ),
    "InferenceScalingModel": (
        dict(model=L8, hardware=H100, reasoning_steps=4),
        dict(model=_OBJ, hardware=_OBJ, reasoning_steps=_INT, context_length=_INT, precision=_PRECISION,
             efficiency=_FRAC_POS, tokens_per_step=_INT, **_LAYOUT),
    ),
    "CompressionModel": (
        dict(model=L8, hardware=H100, method="pruning", sparsity=0.5, sparsity_type="structured"),
        dict(model=_OBJ, hardware=_OBJ, method=_CHOICE, sparsity=_FRAC + [("one", 1.0)], sparsity_type=_CHOICE,
             baseline_precision=_PRECISION, batch_size=_INT, efficiency=_FRAC_POS,
             # quantization-only parameters: any value given to a pruning call is checked in the quantization table
             target_precision=[], target_bitwidth=[]),
    ),
    "CompressionModel/quantization": (
        dict(model=L8, hardware=H100, method="quantization", target_bitwidth=4),
        dict(target_bitwidth=_INT + [("above_32", 64), ("wider_than_baseline", 32)],
             target_precision=_PRECISION + [("wider_than_baseline", "fp32")]),
    ),
    "DistributedModel": (
        dict(model=L70, fleet=LAB, batch_size=64, precision="bf16", tp_size=8, pp_size=2, overlap_comm=True,
             seq_len=4096),
        dict(model=_OBJ, fleet=_OBJ, batch_size=_INT + [("below_dp", 2)], precision=_PRECISION,
             tp_size=_INT + [("not_a_divisor", 3)], pp_size=_INT + [("exceeds_layers", 128)], overlap_comm=_FLAG,
             seq_len=_INT, ep_size=_INT + [("dense_model", 2)], microbatch_count=_INT + [("exceeds_local", 1000)],
             v_stages=_INT + [("exceeds_layers", 64)], zero_stage=_INT0 + [("above_3", 4)], efficiency=_FRAC_POS,
             activation_recomputation=_FLAG, gradient_accumulation_steps=_INT, overlap_efficiency=_FRAC,
             recompute_fraction=_FRAC),
    ),
    "TrainingMemoryModel": (
        dict(model=L8, hardware=H100, batch_size=8, seq_len=2048, zero_stage=1, dp_size=8),
        dict(model=_OBJ, hardware=_OBJ, batch_size=_INT, seq_len=_INT, precision=_PRECISION, optimizer=_CHOICE,
             activation_checkpointing=_CHOICE, tp_size=_INT, pp_size=_INT + [("exceeds_layers", 64)],
             dp_size=_INT, ep_size=_INT, zero_stage=_INT0 + [("above_3", 4)],
             gradient_accumulation_steps=_INT, microbatch_count=_INT, trainable_fraction=_FRAC_POS,
             lora_rank=_INT, communication_buffer_fraction=_FRAC),
    ),
    "ReliabilityModel": (
        dict(fleet=LAB, job_duration_hours=720, checkpoint_time_s=60, checkpoint_interval_s=3600),
        dict(fleet=_OBJ, job_duration_hours=_qty("hour", number_ok=True), checkpoint_time_s=_qty("s", number_ok=True),
             recovery_time_s=_qty("s", zero_ok=True, number_ok=True),
             checkpoint_interval_s=_qty("s", number_ok=True),
             avg_recovery_time_s=_qty("s", zero_ok=True, number_ok=True), failure_rates=_CHOICE),
    ),
    "OrchestrationModel": (
        dict(fleet=LAB, arrival_rate_jobs_per_day=2, avg_job_duration_days=0.3),
        dict(fleet=_OBJ, arrival_rate_jobs_per_day=_qty("1/day", zero_ok=True, number_ok=True),
             avg_job_duration_days=_qty("day", number_ok=True)),
    ),
    "EconomicsModel": (
        dict(fleet=LAB, duration_days=365, grid=Grids.Quebec, mfu=0.4, kwh_price="0.1 USD/kWh"),
        dict(fleet=_OBJ, duration_days=_qty("day", number_ok=True), grid=_OBJ, datacenter=_OBJ, mfu=_FRAC,
             kwh_price=_qty("USD/kWh", wrong="3 USD", zero_ok=True), amortization_years=_POS,
             infrastructure_multiplier=_POS, power_model=_CHOICE, busy_fraction=_FRAC),
    ),
    "SustainabilityModel": (
        dict(fleet=LAB, duration_days=365, datacenter=Datacenters.Quebec_Hydro, mfu=0.4,
             embodied_carbon_per_device=Q_(164, "kg")),
        dict(fleet=_OBJ, duration_days=_qty("day", number_ok=True), datacenter=_OBJ, grid=_OBJ, mfu=_FRAC,
             embodied_carbon_per_device=[("negative", "-3 kg"), ("nan", Q_(NAN, "kg")), ("inf", Q_(INF, "kg")),
                                         ("wrong_unit", "3 GB"), ("num_negative", -1.0), ("num_nan", NAN),
                                         ("num_inf", INF), ("string", "lots")],
             power_model=_CHOICE, busy_fraction=_FRAC),
    ),
    "CheckpointModel": (
        dict(model=L70, hardware=H100, checkpoint_interval=Q_(2, "hour"), n_writers=64,
             filesystem_bandwidth="100 GB/s"),
        dict(model=_OBJ, hardware=_OBJ, optimizer=_CHOICE, checkpoint_interval=_qty("hour"), n_writers=_INT,
             filesystem_bandwidth=BW),
    ),
    "ResponsibleEngineeringModel": (
        dict(base_training_time=Q_(30, "day"), epsilon=2.0),
        dict(base_training_time=_qty("day"), epsilon=_POS, delta=_FRAC_POS + [("one", 1.0)],
             min_subgroup_prevalence=_FRAC_POS),
    ),
    "SensitivitySolver": (
        dict(model=L8, hardware=H100, batch_size=2),
        dict(model=_OBJ, hardware=_OBJ, precision=_PRECISION, perturbation_pct=_POS, efficiency=_FRAC_POS,
             batch_size=_INT, memory_efficiency=_FRAC_POS),
    ),
    "SynthesisSolver": (
        dict(model=L8, target_latency=Q_(20, "ms"), candidates=[H100, A100]),
        dict(model=_OBJ, target_latency=_qty("ms"), precision=_PRECISION, efficiency=_FRAC_POS, batch_size=_INT,
             candidates=[("number", 3), ("string", "H100"), ("single_device", H100), ("list_of_strings", ["H100"]),
                         ("nan", NAN)],
             tp_size=_INT, ep_size=_LAYOUT["ep_size"], kv_precision=_LAYOUT["kv_precision"],
             memory_efficiency=_FRAC_POS, seq_len=_INT, node=_OBJ),
    ),
    "ParallelismOptimizer": (
        dict(model=L70, fleet=LAB, batch_size=64, seq_len=4096, zero_stage=1, max_pp=8),
        dict(model=_OBJ, fleet=_OBJ, batch_size=_INT, precision=_PRECISION, efficiency=_FRAC_POS, seq_len=_INT,
             max_tp=_INT, max_pp=_INT, overlap_comm=_FLAG, optimizer=_CHOICE, activation_checkpointing=_CHOICE,
             zero_stage=_INT0 + [("above_3", 4)], micro_batch_size=_INT, top_k=_INT),
    ),
    "BatchingOptimizer": (
        dict(model=L8, hardware=H100, seq_len=2048, sla_latency=Q_(3, "s"), arrival_rate_qps=10, max_search_batch=16),
        dict(model=_OBJ, hardware=_OBJ, seq_len=_INT, sla_latency=TIME, arrival_rate_qps=_NONNEG,
             output_tokens=_INT, num_replicas=_INT, precision=_PRECISION, efficiency=_FRAC_POS,
             max_search_batch=_INT, service_time_cv=_NONNEG,
             sla_latency_ms=_POS,  # given with sla_latency: "exactly one of"
             arrival_rate=_qty("req/s", zero_ok=True), **_LAYOUT),
    ),
    "PlacementOptimizer": (
        dict(fleet=LAB, duration_days=30, regions=["Quebec", "Iowa", "Poland"], carbon_tax_per_ton=100, mfu=0.4,
             sla_latency="30 ms", user_location=(45.5, -73.6)),
        dict(fleet=_OBJ, duration_days=_qty("day", number_ok=True),
             regions=[("unknown_zoo_name", ["Atlantis"]), ("string", "Quebec"), ("number", 3), ("empty", []),
                      ("nan", NAN), ("list_of_numbers", [1, 2]), ("quantity", Q_(3, "s"))],
             carbon_tax_per_ton=_NONNEG, mfu=_FRAC, sla_latency=TIME,
             user_location=[("latitude_out_of_range", (95.0, 0.0)), ("longitude_out_of_range", (0.0, 200.0)),
                            ("nan", (NAN, 0.0)), ("string", "Montreal"), ("too_short", (45.0,)),
                            ("grid_without_coordinates", GridProfile(name="x", carbon_intensity="1 gCO2/kWh",
                                                                     pue=1.1))],
             top_k=_INT),
    ),
}

#: Known gaps (resolver, param, tag) → reason; empty: every bad input is rejected with the field named.
#: "*" matches every invalid value of that parameter.
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}


def _cases():
    for key, (base, params) in SPEC.items():
        name = key.split("/")[0]
        for param, bad in params.items():
            for tag, value in bad:
                marks = ()
                reason = KNOWN_GAPS.get((name, param, tag)) or KNOWN_GAPS.get((name, param, "*"))
                if reason:
                    marks = (pytest.mark.xfail(reason=reason, strict=False),)
                yield pytest.param(name, base, param, value, id=f"{key}-{param}-{tag}", marks=marks)


def test_every_resolver_and_every_parameter_is_classified():
    assert {k.split("/")[0] for k in SPEC} == set(RESOLVERS)
    for name, cls in RESOLVERS.items():
        declared = {p for p in inspect.signature(cls.solve).parameters if p != "self"}
        classified = {p for key, (_, params) in SPEC.items() if key.split("/")[0] == name for p in params}
        assert declared == classified, f"{name}: unclassified {declared - classified}, unknown {classified - declared}"


@pytest.mark.parametrize("name", sorted(RESOLVERS))
def test_base_calls_are_valid(name):
    for key, (base, _) in SPEC.items():
        if key.split("/")[0] == name:
            RESOLVERS[name]().solve(**base)


@pytest.mark.parametrize("name, base, param, value", list(_cases()))
def test_bad_input_raises_input_error_naming_the_field(name, base, param, value):
    kw = dict(base)
    kw[param] = value
    with pytest.raises(InputError) as exc:
        RESOLVERS[name]().solve(**kw)
    err = exc.value
    assert isinstance(err, ValueError)
    assert err.field.split("[")[0] == param or param in str(err), (
        f"{name}({param}={value!r}) raised an InputError about {err.field!r}: {err}")
    assert err.reason


@pytest.mark.parametrize("name", sorted(RESOLVERS))
def test_missing_required_argument_is_a_type_error(name):
    # Python's own error for a forgotten keyword (not an engine concern), but it must not be swallowed
    required = [p.name for p in inspect.signature(RESOLVERS[name].solve).parameters.values()
                if p.name != "self" and p.default is inspect.Parameter.empty]
    if required:
        with pytest.raises(TypeError, match=required[0]):
            RESOLVERS[name]().solve()


def test_positional_arguments_are_rejected():
    with pytest.raises(TypeError):
        RESOLVERS["SingleNodeModel"]().solve(L8, H100)


# ------------------------------------------------------------------------------------------------
# Wrong family of model
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kw", [
    ("ServingModel", dict(model=RESNET, hardware=H100, seq_len=128)),
    ("ContinuousBatchingModel", dict(model=RESNET, hardware=H100, max_seq_len=128)),
    ("InferenceScalingModel", dict(model=RESNET, hardware=H100)),
    ("DistributedModel", dict(model=RESNET, fleet=LAB, batch_size=64)),
    ("TrainingMemoryModel", dict(model=RESNET, hardware=H100)),
    ("ParallelismOptimizer", dict(model=RESNET, fleet=LAB, batch_size=64)),
    ("BatchingOptimizer", dict(model=RESNET, hardware=H100, seq_len=128, sla_latency="1 s", arrival_rate_qps=1)),
])
def test_model_of_the_wrong_family(name, kw):
    with pytest.raises(InputError) as exc:
        RESOLVERS[name]().solve(**kw)
    assert exc.value.field == "model" and "TransformerWorkload" in exc.value.reason


def test_relational_errors_name_one_of_the_fields():
    # a global batch smaller than the data-parallel degree: either field may be blamed, but one must be
    with pytest.raises(InputError) as exc:
        RESOLVERS["TrainingMemoryModel"]().solve(model=L8, hardware=H100, batch_size=8, dp_size=16)
    assert exc.value.field in ("batch_size", "dp_size")
    with pytest.raises(InputError) as exc:
        RESOLVERS["TailLatencyModel"]().solve(service_latency_ms=20)
    assert exc.value.field == "arrival_rate"
    with pytest.raises(InputError) as exc:
        RESOLVERS["ContinuousBatchingModel"]().solve(model=L8, hardware=H100)
    assert exc.value.field == "max_seq_len"


def test_hardware_without_a_data_path_names_the_hardware():
    bare = Hardware.TPUv5p.model_copy(update={"interconnect": None, "storage": None})
    with pytest.raises(InputError) as exc:
        RESOLVERS["DataModel"]().solve(workload_data_rate="1 GB/s", hardware=bare)
    assert exc.value.field == "hardware"
    assert "declares neither storage nor a host link" in str(exc.value)


@pytest.mark.parametrize("hw", Hardware.list(), ids=lambda h: h.name)
def test_every_zoo_accelerator_has_a_data_path(hw):
    """Wall 8 works for every zoo entry, ESP32 to CS-3: each declares storage or a host link."""
    r = RESOLVERS["DataModel"]().solve(workload_data_rate="10 MB/s", hardware=hw)
    assert r.feasible in (True, False) and r.trace


# ------------------------------------------------------------------------------------------------
# Unknown zoo names
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("zoo, name", [(Hardware, "H999"), (Models, "Llama5_1T"), (Grids, "Atlantis"),
                                       (Systems, "NoSuchCluster"), (Hardware.Cloud, "TPUv99")])
def test_unknown_zoo_name(zoo, name):
    with pytest.raises(UnknownEntryError) as exc:
        zoo.get(name)
    assert name in str(exc.value)
    with pytest.raises(KeyError):
        zoo.get(name)
    with pytest.raises(AttributeError):
        getattr(zoo, name)


def test_unknown_zoo_name_suggests_close_matches():
    with pytest.raises(UnknownEntryError, match="Llama3_70B"):
        Models.get("Llama3_70")


def test_zoo_lookup_is_forgiving_about_case_and_spelling():
    assert Hardware.get("h100") is Hardware.H100
    assert Grids.get("quebec") is Grids.Quebec


# ------------------------------------------------------------------------------------------------
# Types: pydantic ValidationError locating the field
# ------------------------------------------------------------------------------------------------
def _node(**kw):
    return Node(**{"name": "n", "accelerator": H100, "accelerators_per_node": 8, "intra_node_bw": "900 GB/s", **kw})


TYPE_CASES = [
    ("MemoryHierarchy-bandwidth-wrong_unit", lambda: MemoryHierarchy(capacity="80 GB", bandwidth="3 GB"), "bandwidth"),
    ("MemoryHierarchy-capacity-negative", lambda: MemoryHierarchy(capacity="-80 GB", bandwidth="3 TB/s"), "capacity"),
    ("MemoryHierarchy-capacity-zero", lambda: MemoryHierarchy(capacity="0 GB", bandwidth="3 TB/s"), "capacity"),
    ("MemoryHierarchy-capacity-nan", lambda: MemoryHierarchy(capacity=Q_(NAN, "GB"), bandwidth="3 TB/s"), "capacity"),
    ("MemoryHierarchy-capacity-inf", lambda: MemoryHierarchy(capacity="inf GB", bandwidth="3 TB/s"), "capacity"),
    ("MemoryHierarchy-capacity-bare_number", lambda: MemoryHierarchy(capacity=80, bandwidth="3 TB/s"), "capacity"),
    ("ComputeCore-peak-unparseable", lambda: ComputeCore(peak_flops="lots"), "peak_flops"),
    ("ComputeCore-precision-fp7", lambda: ComputeCore(peak_flops="1 PFLOP/s", precision_flops={"fp7": "1 PFLOP/s"}),
     "precision_flops"),
    ("HardwareNode-tdp-wrong_unit", lambda: HardwareNode(name="x", compute=H100.compute, memory=H100.memory,
                                                         tdp="700 J"), "tdp"),
    ("HardwareNode-category-unknown", lambda: HardwareNode(name="x", compute=H100.compute, memory=H100.memory,
                                                           category="spaceship"), "category"),
    ("Node-accelerator-string", lambda: _node(accelerator="H100"), "accelerator"),
    ("Node-accelerators_per_node-zero", lambda: _node(accelerators_per_node=0), "accelerators_per_node"),
    ("Node-intra_node_bw-wrong_unit", lambda: _node(intra_node_bw="900 GB"), "intra_node_bw"),
    ("Node-direction-unknown", lambda: _node(intra_node_bw_direction="sideways"), "intra_node_bw_direction"),
    ("NetworkFabric-bandwidth-negative", lambda: NetworkFabric(name="f", bandwidth="-400 Gbps"), "bandwidth"),
    ("NetworkFabric-oversubscription-below_one", lambda: NetworkFabric(name="f", bandwidth="400 Gbps",
                                                                       oversubscription=0.5), "oversubscription"),
    ("NetworkFabric-latency-negative", lambda: NetworkFabric(name="f", bandwidth="400 Gbps", latency="-5 us"),
     "latency"),
    ("Fleet-count-zero", lambda: Fleet(name="f", node=Systems.Nodes.DGX_H100, count=0, fabric=NDR), "count"),
    ("Fleet-node-string", lambda: Fleet(name="f", node="DGX", count=1, fabric=NDR), "node"),
    ("Fleet-mtbf-nan", lambda: Fleet(name="f", node=Systems.Nodes.DGX_H100, count=1, fabric=NDR, mtbf_hours=NAN),
     "mtbf_hours"),
    ("GridProfile-pue-nan", lambda: GridProfile(name="g", carbon_intensity="100 gCO2/kWh", pue=NAN), "pue"),
    ("GridProfile-pue-below_one", lambda: GridProfile(name="g", carbon_intensity="100 gCO2/kWh", pue=0.9), "pue"),
    ("GridProfile-carbon-wrong_unit", lambda: GridProfile(name="g", carbon_intensity="100 gCO2", pue=1.1),
     "carbon_intensity"),
    ("GridProfile-carbon-negative", lambda: GridProfile(name="g", carbon_intensity="-1 gCO2/kWh", pue=1.1),
     "carbon_intensity"),
    ("Datacenter-pue-below_one", lambda: Datacenter(name="d", grid=Grids.Quebec, pue_override=0.5), "pue_override"),
    ("Transformer-parameters-negative", lambda: TransformerWorkload(name="t", parameters=-1, hidden_dim=8, heads=2),
     "parameters"),
    ("Transformer-parameters-nan", lambda: TransformerWorkload(name="t", parameters=NAN, hidden_dim=8, heads=2),
     "parameters"),
    ("Transformer-parameters-inf", lambda: TransformerWorkload(name="t", parameters=INF, hidden_dim=8, heads=2),
     "parameters"),
    ("Transformer-heads-zero", lambda: TransformerWorkload(name="t", parameters=1e9, hidden_dim=8, heads=0), "heads"),
    ("Transformer-kv_heads-above_heads", lambda: TransformerWorkload(name="t", parameters=1e9, hidden_dim=8, heads=2,
                                                                     kv_heads=4), "kv_heads"),
    ("Transformer-extra-field", lambda: TransformerWorkload(name="t", parameters=1e9, hidden_dim=8, heads=2,
                                                            hidden_size=8), "hidden_size"),
    ("CNN-flops-missing", lambda: CNNWorkload(name="c", parameters=1e6), "inference_flops"),
    ("CNN-flops-wrong_unit", lambda: CNNWorkload(name="c", parameters=1e6, inference_flops="4 GB"), "inference_flops"),
    ("Scenario-batch_size-zero", lambda: Scenario(name="s", workload=L8, system=H100, batch_size=0), "batch_size"),
    ("Scenario-system-string", lambda: Scenario(name="s", workload=L8, system="H100"), "system"),
]


@pytest.mark.parametrize("label, build, field", TYPE_CASES, ids=[c[0] for c in TYPE_CASES])
def test_type_construction_rejects_bad_fields(label, build, field):
    with pytest.raises(ValidationError) as exc:
        build()
    located = {str(part) for err in exc.value.errors() for part in err["loc"]}
    assert field in located or field in str(exc.value), f"{label}: {exc.value}"


def test_types_are_frozen():
    with pytest.raises(ValidationError):
        H100.tdp = Q_(1, "W")


def test_lowering_an_unknown_precision():
    with pytest.raises(InputError) as exc:
        L8.lower("fp7")
    assert exc.value.field == "precision"


def test_scenario_unknown_precision_names_the_field():
    # rejected when the scenario is built (pydantic names the field) and when overridden at evaluate()
    with pytest.raises(ValueError) as exc:
        Scenario(name="s", workload=L8, system=H100, precision="fp7")
    assert "precision" in str(exc.value) and "fp7" in str(exc.value)
    with pytest.raises(InputError) as exc2:
        Scenario(name="s", workload=L8, system=H100).evaluate(precision="fp7")
    assert exc2.value.field == "precision"


# ------------------------------------------------------------------------------------------------
# Infeasible designs are results, not exceptions
# ------------------------------------------------------------------------------------------------
_SLOW_FABRIC = NetworkFabric(name="slow", bandwidth="1 Gbps")
_TINY_FLEET = Fleet(name="8xH100", node=Systems.Nodes.DGX_H100, count=1, fabric=NDR)

INFEASIBLE = [
    # (resolver, kwargs, binding wall, why)
    ("SingleNodeModel", dict(model=L70, hardware=H100), 2, "141 GB of fp16 weights > 80 GiB"),
    ("ServingModel", dict(model=L405, hardware=H100, seq_len=2048), 2, "810 GB of weights > 80 GiB"),
    ("ContinuousBatchingModel", dict(model=L70, hardware=H100, max_seq_len=4096), 2, "no room left for KV"),
    ("WeightStreamingModel", dict(model=L70, hardware=CS3, seq_len=32768, batch_size=256), 2,
     "on-wafer KV 1.1·KV(32k, 256) ≫ 44 GB SRAM"),
    ("TailLatencyModel", dict(arrival_rate_qps=200, service_latency_ms=20, num_replicas=2), 7,
     "λ = 200/s > c·μ = 100/s: unstable"),
    ("DataModel", dict(workload_data_rate="100 GB/s", hardware=H100), 8, "100 GB/s > 7 GB/s NVMe"),
    ("TransformationModel", dict(batch_size=256, sample_size="1 MB", cpu_throughput="100 MB/s",
                                 accelerator_step_time="10 ms"), 9, "2.56 s of decoding per 10 ms step"),
    ("InferenceScalingModel", dict(model=L70, hardware=H100), 2, "weights alone exceed memory"),
    ("CompressionModel", dict(model=L405, hardware=H100, target_precision="int8"), 2, "405 GB at int8 > 80 GiB"),
    ("DistributedModel", dict(model=L405, fleet=_TINY_FLEET, batch_size=8), 2, "405B training state on 8 GPUs"),
    ("TrainingMemoryModel", dict(model=L70, hardware=H100), 2, "70B × 16 B/param of training state"),
    ("ReliabilityModel", dict(fleet=Systems.Clusters.Llama3_16K, job_duration_hours=720, checkpoint_time_s=3600,
                              recovery_time_s=3600), 15, "checkpoint + recovery ≥ fleet MTBF"),
    ("OrchestrationModel", dict(fleet=LAB, arrival_rate_jobs_per_day=2, avg_job_duration_days=1), 16, "ρ = 2 ≥ 1"),
    ("CheckpointModel", dict(model=L405, hardware=H100, checkpoint_interval="1 min"), 19,
     "a 5.7 TB checkpoint at 7 GB/s takes longer than a minute"),
    ("SensitivitySolver", dict(model=L70, hardware=H100), 2, "baseline does not fit"),
    ("SynthesisSolver", dict(model=L405, target_latency="1 us"), None, "no device streams 810 GB in 1 µs"),
    ("ParallelismOptimizer", dict(model=L405, fleet=_TINY_FLEET, batch_size=8), 2, "no factorisation fits"),
    ("BatchingOptimizer", dict(model=L8, hardware=H100, seq_len=2048, sla_latency="1 ms", arrival_rate_qps=1,
                               max_search_batch=4), 7, "SLA below one decode step"),
    ("PlacementOptimizer", dict(fleet=LAB, duration_days=30, regions=["Singapore", "Poland"], sla_latency="5 ms",
                                user_location=(45.5, -73.6)), 7, "every region is > 5 ms RTT from Montréal"),
]


@pytest.mark.parametrize("name, kw, wall, why", INFEASIBLE, ids=[c[0] for c in INFEASIBLE])
def test_infeasible_design_is_a_result(name, kw, wall, why):
    r = RESOLVERS[name]().solve(**kw)  # must not raise
    assert r.feasible is False, why
    assert r.binding_wall is not None, f"{name}: infeasible without a binding wall"
    if wall is not None:
        assert r.binding_wall == wall, f"{name}: binding wall {r.binding_wall}, expected {wall} ({why})"
    assert r.trace and all(isinstance(t, str) and t for t in r.trace)
    assert r.to_row()["feasible"] is False


def test_single_node_raise_errors_opt_in():
    with pytest.raises(InputError) as exc:
        RESOLVERS["SingleNodeModel"]().solve(model=L70, hardware=H100, raise_errors=True)
    assert exc.value.field == "model"


def test_infeasible_results_carry_no_nan():
    for name, kw, _, _ in INFEASIBLE:
        row = RESOLVERS[name]().solve(**kw).to_row()
        bad = [k for k, v in row.items() if isinstance(v, float) and math.isnan(v)]
        assert not bad, f"{name}: NaN in {bad}"


def test_every_resolver_that_can_fail_has_an_infeasible_case():
    # resolvers whose every input is feasible by construction: accounting / sizing / bounds
    always_feasible = {"EfficiencyModel", "TopologyModel", "ScalingModel", "EconomicsModel", "SustainabilityModel",
                       "ResponsibleEngineeringModel"}
    covered = {c[0] for c in INFEASIBLE}
    assert covered | always_feasible == set(RESOLVERS)
