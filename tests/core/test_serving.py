"""ServingModel (wall 4), ContinuousBatchingModel (5), WeightStreamingModel (6) and physics.serving.

Fixtures from datasheets (zoo-independent): H100 989 TFLOP/s fp16, 80 GiB, 3.35 TB/s; Cerebras CS-3
125 PFLOP/s, 44 GB on-wafer SRAM, MemoryX 1.2 TB/s. Llama-3-8B: 8.03e9 params, 32 layers, d = 4096,
32 heads, 8 KV heads → k = 2·32·8·128·2 B = 131 072 B/token (fp16).
"""

import math

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from mlsysim_core.physics import serving as sv
from mlsysim_core.resolvers.serving import ContinuousBatchingModel, ServingModel, WeightStreamingModel
from mlsysim_core.types import ComputeCore, HardwareNode, IOInterconnect, MemoryHierarchy, TransformerWorkload
from mlsysim_core.validation import InputError

GiB = 2**30


def make_hw(name="H100", peak="989 TFLOP/s", cap="80 GiB", bw="3.35 TB/s", **kw):
    return HardwareNode(name=name, compute=ComputeCore(peak_flops=peak),
                        memory=MemoryHierarchy(capacity=cap, bandwidth=bw), tdp="700 W", **kw)


H100 = make_hw()
H200 = make_hw("H200", cap="141 GB", bw="4.8 TB/s")
CS3 = make_hw("CS-3", peak="125 PFLOP/s", cap="44 GB", bw="21 PB/s",
              scale_up=IOInterconnect(name="MemoryX", bandwidth="1.2 TB/s"))
L8 = TransformerWorkload(name="Llama-3-8B", parameters=8.03e9, layers=32, hidden_dim=4096, heads=32, kv_heads=8)
L1 = TransformerWorkload(name="Llama-3.2-1B", parameters=1.24e9, layers=16, hidden_dim=2048, heads=32, kv_heads=8)
L70 = TransformerWorkload(name="Llama-3-70B", parameters=70.6e9, layers=80, hidden_dim=8192, heads=64, kv_heads=8)
K8 = 131072  # KV bytes/token, Llama-3-8B fp16


def ms(x):
    return x.to("ms").magnitude


# ---------------------------------------------------------------- physics.serving
def test_prefill_flops_and_kv():
    # 2·P·n + 4·L·d·n·S = 16.06e9·2048 + 4·32·4096·2048·2048 = 3.289088e13 + 2.199023e12 = 3.508990e13
    assert sv.prefill_flops(16.06e9, 32, 4096, 2048, 2048) == pytest.approx(3.5089903e13, rel=1e-7)
    assert sv.kv_cache_bytes(K8, 2048, 4) == K8 * 2048 * 4
    assert L8.si("fp16").kv_bytes_per_token == K8


def test_speculative_expected_tokens():
    # α = 0.7, K = 4: 1 + 0.7·(1 − 0.7⁴)/0.3 = 1 + 0.7·0.7599/0.3 = 2.7731
    assert sv.speculative_expected_tokens(0.7, 4) == pytest.approx(2.7731)
    assert sv.speculative_expected_tokens(1.0, 4) == 5.0
    assert sv.speculative_expected_tokens(0.0, 4) == 1.0


def test_capped_exponential_scale_and_pages():
    theta = sv.capped_exponential_scale(1024, 4096)
    assert sv.capped_exponential_mean(theta, 4096) == pytest.approx(1024, rel=1e-9)
    # E[⌈S/p⌉] as a direct tail sum Σ_{k<K} e^{−k p/θ}
    direct = sum(math.exp(-k * 16 / theta) for k in range(4096 // 16))
    assert sv.expected_pages(theta, 4096, 16) == pytest.approx(direct, rel=1e-12)
    # page = S_max → one page per request (static-like); mean ≥ cap → all requests at the cap
    assert sv.expected_pages(theta, 4096, 4096) == pytest.approx(1.0)
    assert math.isinf(sv.capped_exponential_scale(4096, 4096))
    assert sv.expected_paged_kv_tokens(4096, 4096, 16) == pytest.approx(4096)


@settings(max_examples=200, deadline=None)
@given(smax=st.integers(2, 32768), frac=st.floats(0.01, 0.99), p=st.integers(1, 512))
def test_paged_tokens_bounded_by_mean_plus_page(smax, frac, p):
    mean = frac * smax
    t = sv.expected_paged_kv_tokens(mean, smax, p)
    # paging wastes less than one page per request on average, and never holds less than the tokens
    assert mean * (1 - 1e-9) <= t <= mean + p + 1e-9 * smax
    assert t <= math.ceil(smax / p) * p * (1 + 1e-12)


# ---------------------------------------------------------------- ServingModel
serve = ServingModel()


def test_serving_llama8b_h100_hand_numbers():
    r = serve.solve(model=L8, hardware=H100, seq_len=2048)
    # TTFT = 3.508990e13 / (989e12·0.5) + 0.01 ms = 70.96037 + 0.01 = 70.97037 ms
    assert ms(r.ttft) == pytest.approx(70.97037, rel=1e-6)
    # KV = 131072·2048 = 268.435456 MB; ITL = (16.06e9 + 0.268435e9)/(3.35e12 · η_mem 0.70) + 32·0.01 ms
    #    = 6.963086 + 0.32 = 7.283086 ms; the datasheet floor (η_mem = 1) is 4.874160 ms
    assert r.kv_cache_size.to("MB").magnitude == pytest.approx(268.435456)
    assert ms(r.itl) == pytest.approx(7.283086, rel=1e-6)
    assert ms(r.decode_floor) == pytest.approx(4.874160, rel=1e-6)
    assert r.memory_efficiency == 0.70 and r.kv_precision == "fp16" and r.tp_size == 1
    assert r.itl_bottleneck == "Memory" and r.feasible and r.binding_wall == 4
    assert r.total_memory_required.to("GB").magnitude == pytest.approx(16.328435456)
    assert r.memory_utilization == pytest.approx(16.328435456e9 / (80 * GiB))
    assert r.prefill_chunks == 1 and r.prompt_cache_hit_ratio == 0.0 and r.new_tokens == 2048


def test_prefix_caching_cuts_prefill():
    r = serve.solve(model=L8, hardware=H100, seq_len=2048, cached_prefix_len=1536)
    # n = 512 new tokens: 16.06e9·512 + 4·32·4096·512·2048 = 8.22272e12 + 5.49756e11 = 8.772476e12
    # TTFT = 8.772476e12/494.5e12 + 0.01 ms = 17.74010 + 0.01 ms; KV still covers all 2048 tokens
    assert ms(r.ttft) == pytest.approx(17.75010, rel=1e-5)
    assert r.prompt_cache_hit_ratio == 0.75 and r.new_tokens == 512
    assert r.kv_cache_size.to("MB").magnitude == pytest.approx(268.435456)


def test_short_prompt_hits_weight_read_floor():
    # 1 new token: compute 16.06e9·1 + … ≈ 0.03 ms ≪ one pass over weights 16.06e9/(3.35e12·0.7) = 6.8486 ms
    r = serve.solve(model=L8, hardware=H100, seq_len=1)
    assert ms(r.ttft) == pytest.approx(16.06e9 / (3.35e12 * 0.7) * 1e3 + 0.01, rel=1e-6)
    # the seed paper's floor, with the datasheet bandwidth
    r = serve.solve(model=L8, hardware=H100, seq_len=1, memory_efficiency=1.0)
    assert ms(r.ttft) == pytest.approx(16.06e9 / 3.35e12 * 1e3 + 0.01, rel=1e-6)


def test_chunked_prefill():
    r = serve.solve(model=L8, hardware=H100, seq_len=2048, prefill_chunk_tokens=512)
    # 4 chunks, each: (16.06e9·512 + 4·32·4096·512·2048)/494.5e12 = 8.772476e12/494.5e12 = 17.74010 ms + 0.01
    assert r.prefill_chunks == 4
    assert ms(r.prefill_chunk_time) == pytest.approx(17.75010, rel=1e-5)
    assert ms(r.decode_stall_bound) == pytest.approx(17.75010, rel=1e-5)
    assert ms(r.ttft) == pytest.approx(4 * 17.75010, rel=1e-5)  # = unchunked + 3 extra dispatches
    # uneven last chunk: 2048 = 3·600 + 248
    r = serve.solve(model=L8, hardware=H100, seq_len=2048, prefill_chunk_tokens=600)
    assert r.prefill_chunks == 4
    assert ms(r.decode_stall_bound) == pytest.approx(ms(r.prefill_chunk_time))
    # tiny chunks re-read the weights each time: 2048 chunks × max(…, 6.85 ms) dominates
    r = serve.solve(model=L8, hardware=H100, seq_len=2048, prefill_chunk_tokens=1)
    assert ms(r.ttft) > 2048 * 6.84


def test_speculative_decoding():
    base = serve.solve(model=L8, hardware=H100, seq_len=2048)
    r = serve.solve(model=L8, hardware=H100, seq_len=2048, draft_model=L1, draft_acceptance_rate=0.7)
    # draft k = 2·16 layers·8 kv heads·64 d_head·2 B = 32768 B/token
    # t_draft = (2.48e9 + 32768·2048)/(3.35e12·0.7) + 16·0.01 ms;  ITL = (4·t_draft + t_verify)/2.7731
    t_draft = (2.48e9 + 32768 * 2048) / (3.35e12 * 0.7) + 16e-5
    itl = (4 * t_draft + ms(base.itl) / 1e3) / 2.7731
    assert ms(r.itl) == pytest.approx(itl * 1e3, rel=1e-6)
    assert r.speculative_expected_tokens == pytest.approx(2.7731)
    assert r.total_memory_required.to("GB").magnitude == pytest.approx(16.328435456 + 2.48 + 32768 * 2048 / 1e9)
    # with α = 0 speculation only costs: ITL = 4·t_draft + t_verify
    r0 = serve.solve(model=L8, hardware=H100, seq_len=2048, draft_model=L1, draft_acceptance_rate=0.0)
    assert r0.itl > base.itl


def test_disaggregated_serving():
    r = serve.solve(model=L8, hardware=H100, decode_hardware=H200, seq_len=2048, batch_size=8,
                    network_bandwidth="50 GB/s")
    # KV = 131072·2048·8 = 2.147483648 GB over 50 GB/s = 42.9497 ms added to TTFT
    assert ms(r.kv_transfer_time) == pytest.approx(42.949673, rel=1e-6)
    assert ms(r.ttft) == pytest.approx(ms(r.prefill_compute_time) + 42.949673, rel=1e-6)
    # ITL on H200: (16.06e9 + 2.147483648e9)/(4.8e12·0.7) + 0.32 ms = 5.418894 + 0.32
    assert ms(r.itl) == pytest.approx(5.738894, rel=1e-6)
    assert r.disaggregated and r.memory_capacity.to("GB").magnitude == pytest.approx(141)


def test_serving_infeasible_is_result():
    r = serve.solve(model=L70, hardware=H100, seq_len=8192, batch_size=4)
    # weights 141.2 GB alone exceed 85.9 GB
    assert not r.feasible and r.binding_wall == 2 and any("Memory wall" in t for t in r.trace)
    assert r.memory_utilization > 1
    # prefill device too small in disaggregated mode
    r = serve.solve(model=L70, hardware=H100, decode_hardware=make_hw("big", cap="1 TB"), seq_len=128)
    assert not r.feasible and "prefill device" in " ".join(r.trace)


def test_large_batch_decode_becomes_compute_bound():
    r = serve.solve(model=L8, hardware=H100, seq_len=128, batch_size=2048)
    # compute 16.06e9·2048/494.5e12 = 66.5 ms vs memory (16.06e9 + 131072·128·2048)/3.35e12 = 15.05 ms
    assert r.itl_bottleneck == "Compute"


@pytest.mark.parametrize("kw,field", [
    (dict(seq_len=0), "seq_len"),
    (dict(seq_len=-5), "seq_len"),
    (dict(seq_len=128, batch_size=0), "batch_size"),
    (dict(seq_len=128, efficiency=0), "efficiency"),
    (dict(seq_len=128, efficiency=float("nan")), "efficiency"),
    (dict(seq_len=128, cached_prefix_len=128), "cached_prefix_len"),
    (dict(seq_len=128, cached_prefix_len=-1), "cached_prefix_len"),
    (dict(seq_len=128, draft_model=L1, draft_acceptance_rate=1.5), "draft_acceptance_rate"),
    (dict(seq_len=128, prefill_chunk_tokens=0), "prefill_chunk_tokens"),
    (dict(seq_len=128, decode_hardware=H100, network_bandwidth="3 GB"), "network_bandwidth"),
    (dict(seq_len=128, decode_hardware=H100, network_bandwidth="0 GB/s"), "network_bandwidth"),
    (dict(seq_len=128, network_bandwidth="3 GB"), "network_bandwidth"),
    (dict(seq_len=128, decode_hardware="H200"), "decode_hardware"),
    (dict(seq_len=128, draft_model="tiny"), "draft_model"),
    (dict(seq_len=128, precision="fp7"), "precision"),
])
def test_serving_bad_inputs(kw, field):
    with pytest.raises(InputError) as e:
        serve.solve(model=L8, hardware=H100, **kw)
    assert e.value.field == field


# ---------------------------------------------------------------- ContinuousBatchingModel
cb = ContinuousBatchingModel()


def test_static_vs_paged_hand_numbers():
    r = cb.solve(model=L8, hardware=H100, max_seq_len=4096, max_batch_size=10_000)
    # budget = 80 GiB − 16.06 GB = 85.89934592e9 − 16.06e9 = 69.83934592e9 B
    # static: ⌊69.839e9 / (131072·4096 = 536.870912e6)⌋ = ⌊130.09⌋ = 130
    assert r.static_max_active_requests == 130
    assert r.kv_budget.to("GB").magnitude == pytest.approx(69.83934592)
    # paged: mean 1024 (S_max/4); tokens held = 16·E[⌈S/16⌉]
    theta = sv.capped_exponential_scale(1024, 4096)
    tokens = 16 * sum(math.exp(-k * 16 / theta) for k in range(256))
    assert r.max_active_requests == int(69.83934592e9 // (131072 * tokens))
    assert r.static_internal_fragmentation == pytest.approx(0.75)
    assert r.paged_internal_fragmentation == pytest.approx(1 - 1024 / tokens)
    # ITL = (|W| + N·k·E[S])/(BW·η_mem) + 32·0.01 ms; tokens/s = N/ITL
    n = r.max_active_requests
    itl = (16.06e9 + n * 131072 * 1024) / (3.35e12 * 0.7) + 32e-5
    assert ms(r.itl) == pytest.approx(itl * 1e3, rel=1e-9)
    assert r.throughput_tokens_per_sec.to("token/s").magnitude == pytest.approx(n / itl, rel=1e-9)
    # ≈ 516 paged vs 130 static requests, but each decode step also reads ≈ 4× more KV:
    # ITL 36.7 ms vs 14.7 ms → speedup = (516/25.8)/(130/10.3) ≈ 1.59
    assert r.speedup_vs_static == pytest.approx((n / itl) / (130 / ms(r.static_itl) * 1e3), rel=1e-9)
    assert 1.5 < r.speedup_vs_static < 1.7
    assert r.feasible and r.binding_wall == 5


def test_page_size_matters_even_when_divisible():
    kw = dict(model=L8, hardware=H100, max_seq_len=4096, max_batch_size=100_000)
    n = {p: cb.solve(page_size=p, **kw).max_active_requests for p in (1, 16, 256, 4096)}
    assert n[1] >= n[16] > n[256] > n[4096]
    assert n[4096] == 130  # one page of S_max per request = static allocation
    frag = [cb.solve(page_size=p, **kw).paged_internal_fragmentation for p in (1, 16, 256)]
    assert frag == sorted(frag)


def test_max_batch_caps_and_mean_request_tokens():
    r = cb.solve(model=L8, hardware=H100, max_seq_len=4096, max_batch_size=64)
    assert r.max_active_requests == 64 and r.static_max_active_requests == 64 and r.speedup_vs_static == 1
    long = cb.solve(model=L8, hardware=H100, max_seq_len=4096, mean_request_tokens=4096, max_batch_size=10_000)
    assert long.max_active_requests == long.static_max_active_requests == 130  # every request at the cap
    assert long.paged_internal_fragmentation == pytest.approx(0.0)
    old = cb.solve(model=L8, hardware=H100, seq_len=4096)  # upstream 0.1.2 keyword still works
    assert old.max_seq_len == 4096


def test_batching_infeasible_cases():
    r = cb.solve(model=L70, hardware=H100, max_seq_len=4096)  # 141.2 GB of weights > 85.9 GB
    assert not r.feasible and r.binding_wall == 2 and r.max_active_requests == 0
    assert r.throughput_tokens_per_sec.magnitude == 0 and math.isinf(r.itl.magnitude)
    tight = make_hw("tight", cap="16.1 GB")  # 40 MB of KV budget < one 4096-token request (537 MB)
    r = cb.solve(model=L8, hardware=tight, max_seq_len=4096, mean_request_tokens=4096)
    assert not r.feasible and r.binding_wall == 5 and "Batching wall" in r.trace[0]
    assert math.isinf(r.to_row()["itl"])


@pytest.mark.parametrize("kw,field", [
    (dict(), "max_seq_len"),
    (dict(max_seq_len=0), "max_seq_len"),
    (dict(max_seq_len=4096, seq_len=4096), "seq_len"),
    (dict(max_seq_len=4096, page_size=0), "page_size"),
    (dict(max_seq_len=4096, page_size=2.5), "page_size"),
    (dict(max_seq_len=4096, max_batch_size=-1), "max_batch_size"),
    (dict(max_seq_len=4096, mean_request_tokens=0), "mean_request_tokens"),
    (dict(max_seq_len=4096, mean_request_tokens=5000), "mean_request_tokens"),
    (dict(max_seq_len=4096, efficiency=2), "efficiency"),
])
def test_batching_bad_inputs(kw, field):
    with pytest.raises(InputError) as e:
        cb.solve(model=L8, hardware=H100, **kw)
    assert e.value.field == field


@settings(max_examples=40, deadline=None)
@given(i=st.integers(0, 9), j=st.integers(0, 3), smax=st.sampled_from([1024, 4096, 8192]))
def test_paged_never_worse_than_static(i, j, smax):
    # when p1 divides p2 every p2-padded length is also p1-padded: ⌈S/p1⌉·p1 ≤ ⌈S/p2⌉·p2, and when p2
    # divides S_max paging never reserves more than S_max. (A page size that does not divide S_max can lose
    # to static allocation: p = 600, S_max = 1024 pads a full-length request to 1200 tokens.)
    p1, p2 = 2**i, 2 ** (i + j)
    assume(p2 <= smax)
    kw = dict(model=L8, hardware=H100, max_seq_len=smax, max_batch_size=100_000)
    a, b = cb.solve(page_size=p1, **kw), cb.solve(page_size=p2, **kw)
    assert a.max_active_requests >= b.max_active_requests >= b.static_max_active_requests


# ---------------------------------------------------------------- WeightStreamingModel
ws = WeightStreamingModel()


def test_weight_streaming_cs3_llama70b():
    r = ws.solve(model=L70, hardware=CS3, seq_len=2048, batch_size=8)
    # |W_l| = 141.2e9/80 = 1.765e9 B; t_inject = 1.765e9/1.2e12 = 1.470833 ms
    # compute = 2·(70.6e9/80)·8/(125e15·0.5) + 0.01 ms = 0.00022592 + 0.01 ms → injection-bound
    assert ms(r.layer_injection_time) == pytest.approx(1.4708333, rel=1e-6)
    assert ms(r.layer_compute_time) == pytest.approx(0.01022592, rel=1e-6)
    assert r.bottleneck == "Interconnect-Bandwidth-Bound" and r.binding_wall == 6
    # token time = 80·1.470833 = 117.667 ms → 8/0.117667 = 67.989 tokens/s
    assert r.throughput_tokens_per_sec.to("token/s").magnitude == pytest.approx(8 / 0.11766667, rel=1e-6)
    # B* = t_inject·Peak·η/(2P/L) = 1.470833e-3·62.5e15/1.765e9 = 52083.3 → 52084
    assert r.optimal_batch_size_exact == pytest.approx(52083.333, rel=1e-6)
    assert r.optimal_batch_size == 52084
    # on-wafer KV = 1.1·(2·80·8·128·2 B = 327680 B/token)·2048·8 = 5.90558 GB ≤ 44 GB
    assert r.on_chip_memory_required.to("GB").magnitude == pytest.approx(1.1 * 327680 * 2048 * 8 / 1e9)
    assert r.feasible


def test_weight_streaming_compute_bound_prefill_and_infeasible():
    r = ws.solve(model=L70, hardware=CS3, seq_len=2048, batch_size=32, phase="prefill")
    # prefill per layer: (1.765e9·2048 + 4·8192·2048²)·32 = 1.2007e14 flop / 62.5e15 = 1.921 ms + 0.01
    # > injection 1.4708 ms → compute-bound (at B = 8 it is still injection-bound: 0.49 ms)
    assert ms(r.layer_compute_time) == pytest.approx((1.765e9 * 2048 + 4 * 8192 * 2048**2) * 32 / 62.5e15 * 1e3
                                                     + 0.01, rel=1e-9)
    assert r.bottleneck == "Compute-Bound" and r.binding_wall == 1 and r.phase == "prefill"
    big = ws.solve(model=L70, hardware=CS3, seq_len=32768, batch_size=8)  # 94 GB of KV > 44 GB
    assert not big.feasible and big.binding_wall == 2 and big.throughput_tokens_per_sec.magnitude == 0
    # no scale-up link listed → 100 GB/s fallback; explicit injection bandwidth wins
    r = ws.solve(model=L8, hardware=H100, seq_len=128)
    assert r.injection_bandwidth.to("GB/s").magnitude == pytest.approx(100)
    r = ws.solve(model=L8, hardware=H100, seq_len=128, injection_bandwidth="400 GB/s")
    assert r.injection_bandwidth.to("GB/s").magnitude == pytest.approx(400)
    with pytest.raises(InputError) as e:
        ws.solve(model=L8, hardware=H100, seq_len=128, phase="train")
    assert e.value.field == "phase"
    with pytest.raises(InputError) as e:
        ws.solve(model=L8, hardware=H100, seq_len=128, injection_bandwidth="3 GB")
    assert e.value.field == "injection_bandwidth"


@settings(max_examples=50, deadline=None)
@given(b=st.integers(1, 4096))
@example(b=1907)  # the capacity edge: Llama-3-70B at seq 64 fits 1907 sequences' KV on the 44 GB wafer, not 1908
def test_streaming_throughput_grows_with_batch_until_compute_bound(b):
    """Throughput never falls while the design stays feasible; feasibility is monotone in the batch, and at the
    capacity edge the result turns infeasible on the memory wall (2) with zero throughput instead of raising."""
    a = ws.solve(model=L70, hardware=CS3, seq_len=64, batch_size=b)
    c = ws.solve(model=L70, hardware=CS3, seq_len=64, batch_size=b + 1)
    if c.feasible:
        assert a.feasible
        assert c.throughput_tokens_per_sec.magnitude >= a.throughput_tokens_per_sec.magnitude * (1 - 1e-12)
    else:
        assert c.binding_wall == 2 and c.throughput_tokens_per_sec.magnitude == 0
        assert c.on_chip_memory_required.to("GB").magnitude > a.on_chip_memory_required.to("GB").magnitude


def test_streaming_capacity_edge_is_the_wafer_memory():
    """The largest feasible batch is where the on-wafer KV first exceeds the wafer's SRAM (found by bisection)."""
    lo, hi = 1, 1 << 16
    assert ws.solve(model=L70, hardware=CS3, seq_len=64, batch_size=lo).feasible
    assert not ws.solve(model=L70, hardware=CS3, seq_len=64, batch_size=hi).feasible
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ws.solve(model=L70, hardware=CS3, seq_len=64, batch_size=mid).feasible else (lo, mid)
    edge, over = (ws.solve(model=L70, hardware=CS3, seq_len=64, batch_size=n) for n in (lo, hi))
    cap = edge.on_chip_capacity.to("GB").magnitude
    assert edge.on_chip_memory_required.to("GB").magnitude <= cap < over.on_chip_memory_required.to("GB").magnitude
    assert over.binding_wall == 2 and over.throughput_tokens_per_sec.magnitude == 0
