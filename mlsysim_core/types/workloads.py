"""Layer A — workloads: model architectures that lower to a :class:`ComputationGraph` per precision.

Operation counts follow the paper's convention: a dense forward pass costs 2 FLOP per parameter per
token (Kaplan et al. 2020, §2.1); ``inference_flops`` overrides it where a published figure exists.
``ops_per_sample`` is per *token* for decoder LMs (one decode step), per *sequence* for encoders, per
*image* for vision models, and per *generated image* (all denoising steps) for diffusion models.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal, NamedTuple, Optional

from pydantic import Field, model_validator

from ..units import UnitSpec, resolve_precision

# Activation traffic conventions (estimates, documented in docs/physics.md):
# decoder token: the residual stream and the attention/MLP inputs and outputs are read and written once per
# layer ≈ 8·d_model values per layer; models without a known width: 10 % of the weights per sample.
ACTIVATION_VALUES_PER_LAYER_PER_WIDTH = 8
ACTIVATION_FRACTION_OF_WEIGHTS = 0.1
from ._fields import Frozen, Provenance, QuantityOf

__all__ = [
    "Workload",
    "TransformerWorkload",
    "SparseTransformerWorkload",
    "CNNWorkload",
    "SSMWorkload",
    "DiffusionWorkload",
    "ComputationGraph",
    "WorkloadSI",
]

_ARCHITECTURE = {"transformer": "Transformer", "moe": "MoE Transformer", "cnn": "CNN", "ssm": "SSM",
                 "diffusion": "Diffusion", "generic": "Generic"}
_FLOP = UnitSpec("flop")
_GFLOP = UnitSpec("GFLOP")
_BYTE = UnitSpec("GB")
_PARAM = UnitSpec("parameter")
_BPT = UnitSpec("kB/token")
_INTENSITY = UnitSpec("flop/byte")


class ComputationGraph(Frozen):
    """The lowered IR of a workload at one precision (what resolvers reason about)."""

    name: str
    precision: str
    bytes_per_param: float
    parameter_count: QuantityOf("parameters")
    active_parameter_count: QuantityOf("parameters")
    ops_per_sample: QuantityOf("compute", allow_zero=True)
    sample_unit: str
    weight_bytes: QuantityOf("information")
    kv_bytes_per_token: Optional[QuantityOf("bytes_per_token", allow_zero=True)] = None
    state_bytes_per_sequence: Optional[QuantityOf("information", allow_zero=True)] = None
    arithmetic_intensity: QuantityOf("intensity", allow_zero=True)
    layers: int

    @property
    def total_ops(self):
        """Alias of ``ops_per_sample`` (upstream name)."""
        return self.ops_per_sample


class WorkloadSI(NamedTuple):
    """Base-unit floats for one (workload, precision): what hot paths use."""

    bpp: float
    params: float
    active_params: float
    ops: float  # flop per sample (token / sequence / image)
    weight_bytes: float
    kv_bytes_per_token: float  # per sequence, all layers; 0 if not applicable
    state_bytes: float  # recurrent state per sequence (SSM); 0 otherwise
    act_bytes: float  # activation bytes moved per sample (read + written), see Workload._activation_bytes
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    d_head: float


class Workload(Frozen):
    """Common fields. ``parameters`` is a plain count (e.g. ``70.6e9``)."""

    name: str
    parameters: float = Field(gt=0, allow_inf_nan=False)
    layers: int = Field(default=1, ge=1)
    inference_flops: Optional[QuantityOf("compute")] = None
    provenance: Optional[Provenance] = None

    family: str = "generic"
    sample_unit: str = "sample"

    def _ops(self) -> float:
        if self.inference_flops is not None:
            return float(self.inference_flops.to("flop").magnitude)
        return 2.0 * self._active_params()

    def _active_params(self) -> float:
        return self.parameters

    def _kv_bytes_per_token(self, bpp: float) -> float:
        return 0.0

    def _state_bytes(self, bpp: float) -> float:
        return 0.0

    def _activation_bytes(self, bpp: float) -> float:
        """Activation traffic per sample. Default (CNNs, encoders, generic): 10 % of |W| per sample — the
        upstream MLSys·im heuristic, kept where no per-layer width is known."""
        return ACTIVATION_FRACTION_OF_WEIGHTS * self.parameters * bpp

    @cached_property
    def _lowered(self) -> dict:
        return {}

    def si(self, precision: str = "fp16") -> WorkloadSI:
        """Cached base-unit view of :meth:`lower` (validated precision)."""
        key, bpp = resolve_precision(precision)
        cache = self._lowered
        hit = cache.get(key)
        if hit is None:
            hidden = getattr(self, "hidden_dim", None) or 0
            heads = getattr(self, "heads", None) or 0
            kv_heads = getattr(self, "kv_heads", None) or heads
            hit = WorkloadSI(
                bpp=bpp,
                params=self.parameters,
                active_params=self._active_params(),
                ops=self._ops(),
                weight_bytes=self.parameters * bpp,
                kv_bytes_per_token=self._kv_bytes_per_token(bpp),
                state_bytes=self._state_bytes(bpp),
                act_bytes=self._activation_bytes(bpp),
                layers=self.layers,
                hidden=hidden,
                heads=heads,
                kv_heads=kv_heads,
                d_head=(hidden / heads) if heads else 0.0,
            )
            cache[key] = hit
        return hit

    @property
    def architecture(self) -> str:
        """Readable architecture family (upstream name): "Transformer", "MoE Transformer", "CNN", "SSM", …"""
        return _ARCHITECTURE.get(self.family, self.family)

    def lower(self, precision: str = "fp16") -> ComputationGraph:
        """Lower to a :class:`ComputationGraph` at ``precision`` (fp32, tf32, fp16, bf16, fp8, int8, fp4, int4)."""
        s = self.si(precision)
        key, _ = resolve_precision(precision)
        return ComputationGraph(
            name=self.name,
            precision=key,
            bytes_per_param=s.bpp,
            parameter_count=_PARAM(s.params),
            active_parameter_count=_PARAM(s.active_params),
            ops_per_sample=_GFLOP(s.ops),
            sample_unit=self.sample_unit,
            weight_bytes=_BYTE(s.weight_bytes),
            kv_bytes_per_token=_BPT(s.kv_bytes_per_token) if s.kv_bytes_per_token else None,
            state_bytes_per_sequence=_BYTE(s.state_bytes) if s.state_bytes else None,
            arithmetic_intensity=_INTENSITY(s.ops / s.weight_bytes),
            layers=s.layers,
        )

    def size_in_bytes(self, precision: str = "fp16"):
        """Weight footprint |W| = P × bytes/param."""
        return _BYTE(self.si(precision).weight_bytes)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class TransformerWorkload(Workload):
    """Dense transformer. KV cache per token = 2·L·H_kv·d_head·b (K and V for every layer),
    or (kv_lora_rank + qk_rope_head_dim)·L·b with multi-head latent attention (DeepSeek-V2/V3)."""

    family: Literal["transformer"] = "transformer"
    role: Literal["decoder", "encoder"] = "decoder"
    hidden_dim: int = Field(ge=1)
    heads: int = Field(ge=1)
    kv_heads: Optional[int] = Field(default=None, ge=1)
    kv_lora_rank: Optional[int] = Field(default=None, ge=1)
    qk_rope_head_dim: Optional[int] = Field(default=None, ge=0)
    context_length: int = Field(default=4096, ge=1)
    training_tokens: Optional[float] = Field(default=None, gt=0)
    sample_unit: str = "token"

    @model_validator(mode="after")
    def _check_heads(self):
        if self.kv_heads is not None and self.kv_heads > self.heads:
            raise ValueError(f"kv_heads ({self.kv_heads}) cannot exceed heads ({self.heads})")
        if self.role == "encoder":
            object.__setattr__(self, "sample_unit", "sequence")
        return self

    def _kv_bytes_per_token(self, bpp: float) -> float:
        if self.role == "encoder":
            return 0.0
        if self.kv_lora_rank:
            return self.layers * (self.kv_lora_rank + (self.qk_rope_head_dim or 0)) * bpp
        kvh = self.kv_heads or self.heads
        return 2.0 * self.layers * kvh * (self.hidden_dim / self.heads) * bpp

    def _activation_bytes(self, bpp: float) -> float:
        if self.role == "encoder":
            return super()._activation_bytes(bpp)
        return ACTIVATION_VALUES_PER_LAYER_PER_WIDTH * self.hidden_dim * self.layers * bpp

    def kv_cache_bytes(self, seq_len: int, batch_size: int = 1, precision: str = "fp16"):
        """KV cache for ``batch_size`` sequences of ``seq_len`` tokens."""
        return _BYTE(self.si(precision).kv_bytes_per_token * seq_len * batch_size)


class SparseTransformerWorkload(TransformerWorkload):
    """Mixture-of-experts transformer: weights hold **all** experts, each token runs only the
    active parameters (2·P_active FLOP/token)."""

    family: Literal["moe"] = "moe"
    active_parameters: float = Field(gt=0, allow_inf_nan=False)
    experts: int = Field(ge=1)
    active_experts_per_token: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _check_moe(self):
        if self.active_parameters > self.parameters:
            raise ValueError("active_parameters cannot exceed parameters")
        if self.active_experts_per_token > self.experts:
            raise ValueError("active_experts_per_token cannot exceed experts")
        return self

    def _active_params(self) -> float:
        return self.active_parameters


class CNNWorkload(Workload):
    """Convolutional network; ``inference_flops`` is per image (2 FLOP per MAC)."""

    family: Literal["cnn"] = "cnn"
    inference_flops: QuantityOf("compute")
    input_resolution: Optional[int] = Field(default=None, ge=1)
    sample_unit: str = "image"


class SSMWorkload(Workload):
    """State-space model (Mamba): recurrent state per sequence = L·d_model·N_state·b, independent of length."""

    family: Literal["ssm"] = "ssm"
    hidden_dim: int = Field(ge=1)
    state_size: int = Field(ge=1)
    sample_unit: str = "token"

    def _state_bytes(self, bpp: float) -> float:
        return self.layers * self.hidden_dim * self.state_size * bpp

    def _activation_bytes(self, bpp: float) -> float:
        # per token: activations like a decoder layer, plus the recurrent state read and written
        return ACTIVATION_VALUES_PER_LAYER_PER_WIDTH * self.hidden_dim * self.layers * bpp + 2 * self._state_bytes(bpp)


class DiffusionWorkload(Workload):
    """Latent diffusion: ``inference_flops`` is per denoising step; one image costs steps × that."""

    family: Literal["diffusion"] = "diffusion"
    denoising_steps: int = Field(ge=1)
    resolution: int = Field(ge=1)
    sample_unit: str = "image"

    def _ops(self) -> float:
        return super()._ops() * self.denoising_steps
