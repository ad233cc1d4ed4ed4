"""The 22 systems walls: number, name, domain, the resolver that prices it, and its equation.

Numbering and equations follow the seed paper's taxonomy (Section 4).
"""

from __future__ import annotations

from typing import Iterator, Literal, NamedTuple

__all__ = ["Wall", "WALLS", "WallRegistry", "walls", "wall", "walls_in_domain", "walls_for_resolver", "DOMAINS", "taxonomy",
           "wall_table_md", "resolver_table_md"]

Domain = Literal["node", "data", "algorithm", "fleet", "operations", "analysis"]
DOMAINS: tuple[str, ...] = ("node", "data", "algorithm", "fleet", "operations", "analysis")


class Wall(NamedTuple):
    number: int
    name: str
    domain: str
    resolver: str
    equation: str
    question: str  # the question a student asks when this wall binds


WALLS: tuple[Wall, ...] = (
    Wall(1, "Compute", "node", "SingleNodeModel", "T = OPs / (Peak × η)", "Am I limited by arithmetic throughput?"),
    Wall(2, "Memory", "node", "SingleNodeModel", "T = |W| / BW_mem; fits iff footprint ≤ capacity", "Can I move (and hold) the bytes fast enough?"),
    Wall(3, "Software", "node", "EfficiencyModel", "η_MFU = f(kernel, occupancy, framework overhead)", "How much of peak does my software reach?"),
    Wall(4, "Serving", "node", "ServingModel", "TTFT = OPs_prefill / (Peak·η); ITL = (|W| + KV) / BW_mem", "How fast is the first token, and each one after?"),
    Wall(5, "Batching", "node", "ContinuousBatchingModel", "N_static = ⌊M_KV/(k·S_max)⌋; N_paged = ⌊M_KV/(k·p·E[⌈S/p⌉])⌋", "How many requests fit in the KV cache?"),
    Wall(6, "Streaming", "node", "WeightStreamingModel", "T_layer = max(|W_l|/BW_inject, 2|W_l|B/(Peak·η))", "Can weights stream in as fast as the wafer computes?"),
    Wall(7, "Tail Latency", "node", "TailLatencyModel", "Erlang-C M/M/c: P(wait) and P99 = t_service + t_q(0.99)", "What do the slowest 1 % of users see?"),
    Wall(8, "Ingestion", "data", "DataModel", "ρ = BW_demand / BW_supply", "Can storage feed the accelerators?"),
    Wall(9, "Transformation", "data", "TransformationModel", "T = B·S / C_throughput", "Can the CPUs preprocess fast enough?"),
    Wall(10, "Locality", "data", "TopologyModel", "BW_eff = BW_link·β / oversubscription", "How much bandwidth survives the topology?"),
    Wall(11, "Complexity", "algorithm", "ScalingModel", "C = 6PD; D* = 20P; P* = √(C/120)", "How big a model should this budget train?"),
    Wall(12, "Reasoning", "algorithm", "InferenceScalingModel", "T = TTFT + K·n_step·ITL", "What does thinking longer cost at inference?"),
    Wall(13, "Fidelity", "algorithm", "CompressionModel", "r = b_base/b (quantization); r = 1/(1−s) (pruning)", "What do I gain and risk by compressing?"),
    Wall(14, "Communication", "fleet", "DistributedModel", "T_ring = 2(N−1)/N · M/β + 2(N−1)α", "How much time goes to talking instead of computing?"),
    Wall(15, "Fragility", "fleet", "ReliabilityModel", "MTBF_cluster = MTBF_node / N; τ* = √(2δ·MTBF)", "How often will the fleet fail mid-job?"),
    Wall(16, "Multi-tenant", "fleet", "OrchestrationModel", "T_wait = ρ / [2μ(1−ρ)]", "How long do jobs queue on a shared cluster?"),
    Wall(17, "Capital", "operations", "EconomicsModel", "TCO = CapEx + OpEx", "What does it cost to own and run?"),
    Wall(18, "Sustainability", "operations", "SustainabilityModel", "CO₂ = E_IT × PUE × CI; water = E × WUE", "What does it emit and drink?"),
    Wall(19, "Checkpoint", "operations", "CheckpointModel", "MFU_penalty = T_write / T_interval", "How much does saving state cost?"),
    Wall(20, "Safety", "operations", "ResponsibleEngineeringModel", "slowdown ≈ 1 + c/ε (DP-SGD)", "What does privacy and fairness cost?"),
    Wall(21, "Sensitivity", "analysis", "SensitivitySolver", "S_i = (∂T/T) / (∂x_i/x_i)", "Which resource should I upgrade first?"),
    Wall(22, "Synthesis", "analysis", "SynthesisSolver", "BW_req = |W| / T_target; Peak_req = OPs/(T·η)", "What hardware would meet my target?"),
)

_BY_NUMBER = {w.number: w for w in WALLS}


def wall(number: int) -> Wall:
    """The wall with this number (1–22); KeyError with the valid range otherwise."""
    try:
        return _BY_NUMBER[number]
    except (KeyError, TypeError):
        raise KeyError(f"no wall {number!r}; walls are numbered 1–22") from None


def walls_in_domain(domain: str) -> list[Wall]:
    if domain not in DOMAINS:
        raise KeyError(f"unknown domain {domain!r}; domains: {', '.join(DOMAINS)}")
    return [w for w in WALLS if w.domain == domain]


def walls_for_resolver(name: str) -> list[Wall]:
    return [w for w in WALLS if w.resolver == name]


def taxonomy() -> str:
    """Plain-text table of the walls, grouped by domain."""
    lines = []
    for d in DOMAINS:
        lines.append(d.upper())
        for w in walls_in_domain(d):
            lines.append(f"  {w.number:>2}  {w.name:<15} {w.resolver:<28} {w.equation}")
    return "\n".join(lines)


class WallRegistry:
    """The 22 walls as a read-only registry: ``walls[4]`` (by number), ``len(walls)``, iteration,
    ``walls.in_domain("fleet")``, ``walls.for_resolver("ServingModel")``, ``print(walls)``."""

    def __getitem__(self, number: int) -> Wall:
        return wall(number)

    def __len__(self) -> int:
        return len(WALLS)

    def __iter__(self) -> Iterator[Wall]:
        return iter(WALLS)

    def in_domain(self, domain: str) -> list[Wall]:
        return walls_in_domain(domain)

    def for_resolver(self, name: str) -> list[Wall]:
        return walls_for_resolver(name)

    def __repr__(self) -> str:
        return taxonomy()


walls = WallRegistry()


# ------------------------------------------------------------------------------------------------
# Markdown tables for the docs (``python -m mlsysim_core.taxonomy --markdown``); README.md embeds
# them verbatim and tests/core/test_contract.py checks they are still current.
# ------------------------------------------------------------------------------------------------
def _md(text: str) -> str:
    return text.replace("|", "\\|")


def wall_table_md() -> str:
    """The 22 walls as a Markdown table (number, name, domain, resolver, equation)."""
    rows = ["| # | Wall | Domain | Resolver | Equation |", "|---|---|---|---|---|"]
    rows += [f"| {w.number} | {w.name} | {w.domain} | `{w.resolver}` | {_md(w.equation)} |" for w in WALLS]
    return "\n".join(rows)


def resolver_table_md() -> str:
    """Every registered resolver as a Markdown table (name, kind, walls, one-line equation), in wall order."""
    from .resolvers import all_resolvers  # noqa: PLC0415 - imports every domain module

    order = {"model": 0, "solver": 1, "optimizer": 2}
    regs = sorted(all_resolvers().values(), key=lambda c: (order[c.kind], c.walls[:1] or (99,), c.__name__))
    rows = ["| Resolver | Kind | Walls | Equation |", "|---|---|---|---|"]
    rows += [f"| `{c.__name__}` | {c.kind} | {', '.join(map(str, c.walls)) or '—'} | {_md(c.equation)} |" for c in regs]
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    import sys

    if "--markdown" in sys.argv[1:]:
        print(wall_table_md(), resolver_table_md(), sep="\n\n")
    else:
        print(taxonomy())
