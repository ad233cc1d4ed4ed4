"""Systems zoo: scale-out fabrics, multi-accelerator nodes, and clusters (fleets).

* ``Systems.Fabrics`` — :class:`NetworkFabric` rows. ``bandwidth`` is per endpoint (one NIC per
  accelerator) **per direction**: InfiniBand NDR 400 Gb/s = 50 GB/s. ``latency`` is the α of the
  α–β model, software stack included: RDMA (InfiniBand) ≈5 µs, RoCE ≈10 µs, kernel TCP ≈50 µs,
  NVLink ≈0.5 µs — conventions (estimates), not datasheet values.
* ``Systems.Nodes`` — :class:`Node` rows: accelerator, count, intra-node link (the datasheet
  NVLink/ICI/IF figure, a send+receive total → ``bidirectional_total``), NICs and PSUs.
* ``Systems.Clusters`` — :class:`Fleet` rows: ``count`` nodes on one fabric in a grid region.

Entries reference the Hardware and Grids zoos by key and are built lazily.
"""

from __future__ import annotations

import datetime as _dt

from ._registry import Group, Zoo

__all__ = ["Systems", "VERIFIED", "FABRIC_ROWS", "NODE_ROWS", "CLUSTER_ROWS"]

VERIFIED = _dt.date(2026, 11, 23)

_IBTA = "https://www.infinibandta.org/infiniband-roadmap/"
_IEEE = "https://standards.ieee.org/ieee/802.3/10422/"
_NVLINK = "https://www.nvidia.com/en-us/data-center/nvlink/"
_LLAMA3 = "https://arxiv.org/abs/2407.21783"
_SUPERPOD = "https://docs.nvidia.com/dgx-superpod/reference-architecture-scalable-infrastructure-h100/latest/"
_ALPHA = "latency: alpha convention (estimate), software stack included."

FABRIC_ROWS: dict[str, dict] = {
    "InfiniBand_HDR": dict(bw="200 Gbit/s", lat="5 us", topo="fat_tree", src=_IBTA,
                           notes="HDR 200 Gb/s per port = 25 GB/s per direction. " + _ALPHA),
    "InfiniBand_NDR": dict(bw="400 Gbit/s", lat="5 us", topo="fat_tree", src=_IBTA,
                           notes="NDR 400 Gb/s per port = 50 GB/s per direction (Quantum-2). " + _ALPHA),
    "InfiniBand_XDR": dict(bw="800 Gbit/s", lat="5 us", topo="fat_tree", src=_IBTA,
                           notes="XDR 800 Gb/s per port = 100 GB/s per direction. " + _ALPHA),
    "Ethernet_10G": dict(bw="10 Gbit/s", lat="50 us", topo="fat_tree", src=_IEEE,
                         notes="IEEE 802.3 10GbE, kernel TCP. " + _ALPHA),
    "Ethernet_100G": dict(bw="100 Gbit/s", lat="50 us", topo="fat_tree", src=_IEEE,
                          notes="IEEE 802.3 100GbE, kernel TCP. " + _ALPHA),
    "Ethernet_400G": dict(bw="400 Gbit/s", lat="50 us", topo="fat_tree", src=_IEEE,
                          notes="IEEE 802.3 400GbE, kernel TCP. " + _ALPHA),
    "RoCE_100G": dict(bw="100 Gbit/s", lat="10 us", topo="fat_tree", src=_IEEE,
                      notes="RDMA over Converged Ethernet at 100 Gb/s. " + _ALPHA),
    "RoCE_400G": dict(bw="400 Gbit/s", lat="10 us", topo="fat_tree", src=_LLAMA3, kind="paper",
                      notes="Llama 3 paper: 400 Gbps RoCE between GPUs (Arista 7800 / Minipack2, 3-layer Clos). "
                            + _ALPHA),
    "NVLink3": dict(bw="300 GB/s", lat="500 ns", topo="nvswitch", src=_NVLINK,
                    notes="A100 NVLink 3: 600 GB/s send+receive total = 300 GB/s per direction. " + _ALPHA),
    "NVLink4": dict(bw="450 GB/s", lat="500 ns", topo="nvswitch", src=_NVLINK,
                    notes="H100 NVLink 4: 900 GB/s total = 450 GB/s per direction. " + _ALPHA),
    "NVLink5": dict(bw="900 GB/s", lat="500 ns", topo="nvswitch", src=_NVLINK,
                    notes="B200 NVLink 5: 1.8 TB/s total = 900 GB/s per direction (NVL72 domain). " + _ALPHA),
    "TPU_DCN_v4": dict(bw="50 Gbit/s", lat="20 us", topo="fat_tree", src="https://arxiv.org/abs/2204.02311",
                       kind="estimate",
                       notes="Data-centre network between TPU v4 pods, per chip per direction [estimate: Google does not "
                             "publish a per-chip DCN figure; PaLM (Chowdhery et al. 2022, §4) crosses pods over DCN "
                             "only for the 2-way pod-level gradient exchange]. " + _ALPHA),
    "TPU_ICI_v5p": dict(bw="600 GB/s", lat="1 us", topo="torus_3d", src="https://cloud.google.com/tpu/docs/v5p",
                        notes="TPU v5p ICI 1,200 GBps bidirectional per chip = 600 GB/s per direction; 3D torus. "
                              + _ALPHA),
}

NODE_ROWS: dict[str, dict] = {
    "DGX1_V100": dict(name="NVIDIA DGX-1 (V100)", hw="V100", n=8, intra="300 GB/s", nics=4, psus=4, power="3.5 kW",
                      src="https://images.nvidia.com/content/pdf/dgx1-v100-system-architecture-whitepaper.pdf",
                      notes="8x Tesla V100 SXM2 in a hybrid cube-mesh, NVLink 2 (300 GB/s per GPU, send+receive); "
                            "4x EDR InfiniBand 100 Gb/s; 4 PSUs; 3,500 W system power (datasheet maximum)."),
    "DGX_A100": dict(name="NVIDIA DGX A100", hw="A100", n=8, intra="600 GB/s", nics=8, psus=6, power="6.5 kW",
                     src="https://docs.nvidia.com/dgx/dgxa100-user-guide/introduction-to-dgxa100.html",
                     notes="8x A100 80GB, NVLink 3 via NVSwitch (600 GB/s per GPU, send+receive); 8x ConnectX-6 "
                           "200 Gb/s compute NICs; 6x 3 kW PSUs, 6.5 kW max."),
    "DGX_H100": dict(name="NVIDIA DGX H100", hw="H100", n=8, intra="900 GB/s", nics=8, psus=6, power="10.2 kW",
                     src="https://docs.nvidia.com/dgx/dgxh100-user-guide/introduction-to-dgxh100.html",
                     notes="8x H100 SXM5, NVLink 4 via 4 NVSwitches (900 GB/s per GPU, send+receive); 8x ConnectX-7 "
                           "400 Gb/s (4 OSFP ports); 6x 3.3 kW PSUs (N+2), 10.2 kW max."),
    "DGX_H200": dict(name="NVIDIA DGX H200", hw="H200", n=8, intra="900 GB/s", nics=8, psus=6, power="10.2 kW",
                     src="https://www.nvidia.com/en-us/data-center/dgx-h200/",
                     notes="Same chassis and network as DGX H100 with H200 GPUs (141 GB HBM3e each)."),
    "DGX_B200": dict(name="NVIDIA DGX B200", hw="B200", n=8, intra="1800 GB/s", nics=8, psus=6, power="14.3 kW",
                     src="https://docs.nvidia.com/dgx/dgxb200-user-guide/introduction-to-dgxb200.html",
                     notes="8x B200, NVLink 5 (1.8 TB/s per GPU, send+receive); 8x ConnectX-7 400 Gb/s; "
                           "6x 3.3 kW PSUs, ~14.3 kW max."),
    "MI300X_Platform": dict(name="AMD Instinct MI300X Platform", hw="MI300X", n=8, intra="896 GB/s", nics=8,
                            psus=6, src="https://www.amd.com/en/products/accelerators/instinct/mi300/platform.html",
                            notes="8x MI300X fully connected by Infinity Fabric (7 x 128 GB/s per GPU, treated as a "
                                  "send+receive total). NICs: one 400G per GPU as in OEM builds; PSUs: 6 as in "
                                  "typical 8-OAM servers [estimates]."),
    "TPUv4_Slice_3072": dict(name="Google TPU v4 pod slice (3,072 chips, one ICI domain)", hw="TPUv4", n=3072,
                             intra="540 GB/s", nics=768, psus=768, lat="1 us", src="https://arxiv.org/abs/2204.02311",
                             kind="paper",
                             notes="PaLM trained on 2 x 3,072-chip TPU v4 slices, each a 3D-torus ICI domain (Chowdhery "
                                   "et al. 2022, §4). ICI 6 x 45 GB/s per direction per chip (see Hardware TPUv4). "
                                   "4 chips per host: 768 hosts, one DCN NIC and one PSU each [estimate]."),
    "TPUv5p_Host": dict(name="Google TPU v5p host (4 chips)", hw="TPUv5p", n=4, intra="1200 GB/s", nics=1,
                        psus=2, lat="1 us", src="https://cloud.google.com/tpu/docs/v5p",
                        notes="4 chips per host VM, joined by ICI (1,200 GBps bidirectional per chip). DCN 50 Gbps "
                              "per chip; NIC and PSU counts are estimates."),
}

_US = "US_Avg"
CLUSTER_ROWS: dict[str, dict] = {
    "Lab_64_H100": dict(node="DGX_H100", count=8, fabric="InfiniBand_NDR", region=_US, src=_SUPERPOD,
                        notes="8 DGX H100 nodes = 64 GPUs, one NDR NIC per GPU (a SuperPOD scalable-unit slice)."),
    "Research_256": dict(node="DGX_H100", count=32, fabric="Ethernet_100G", region=_US, src=_SUPERPOD,
                         notes="32 DGX H100 = 256 GPUs on commodity 100GbE TCP: a deliberately comm-bound cluster."),
    "Training_1K": dict(node="DGX_H100", count=128, fabric="InfiniBand_NDR", region=_US, src=_SUPERPOD,
                        notes="128 DGX H100 = 1,024 GPUs on a non-blocking NDR fat tree (4 SuperPOD SUs)."),
    "Capstone_512": dict(node="DGX_H100", count=64, fabric="InfiniBand_NDR", region="Quebec", src=_SUPERPOD,
                         notes="64 DGX H100 = 512 GPUs, NDR, sited on the Quebec hydro grid."),
    "B200_1K": dict(node="DGX_B200", count=128, fabric="InfiniBand_NDR", region=_US,
                    src="https://docs.nvidia.com/dgx-superpod/reference-architecture/scalable-infrastructure-b200/latest/",
                    notes="128 DGX B200 = 1,024 GPUs, ConnectX-7 400 Gb/s (NDR) per GPU."),
    "Frontier_8K": dict(node="DGX_H100", count=1024, fabric="InfiniBand_NDR", region=_US, src=_SUPERPOD,
                        notes="1,024 DGX H100 = 8,192 GPUs on NDR (illustrative frontier-scale cluster)."),
    "Llama3_16K": dict(node="DGX_H100", count=2048, fabric="RoCE_400G", region=_US, src=_LLAMA3, kind="paper",
                       notes="Llama 3 405B pre-training: up to 16,384 H100 (8 per server) on 400 Gbps RoCE. The paper "
                             "reports 419 unexpected interruptions in 54 days (fleet MTBF ≈3.1 h); mtbf_hours left "
                             "unset. Grid: US average (site not disclosed)."),
    "PaLM_6144": dict(node="TPUv4_Slice_3072", count=2, fabric="TPU_DCN_v4", region=None,
                      src="https://arxiv.org/abs/2204.02311", kind="paper",
                      notes="PaLM 540B pre-training (Chowdhery et al. 2022, §4): 6,144 TPU v4 = 2 pods x 3,072, "
                            "12-way model parallel x 256-way fully-sharded data parallel inside each pod, 2-way data "
                            "parallel across pods over DCN; no pipeline parallelism. Region not disclosed."),
    "TPUv5p_Pod": dict(node="TPUv5p_Host", count=2240, fabric="TPU_ICI_v5p", region=None,
                       src="https://cloud.google.com/tpu/docs/v5p",
                       notes="Full v5p pod: 8,960 chips = 2,240 hosts x 4, 3D-torus ICI. Region not disclosed."),
}


def _prov(r: dict, default_kind: str):
    from ..types import Provenance

    return Provenance(source=r["src"], verified=VERIFIED, kind=r.get("kind", default_kind), notes=r.get("notes", ""))


def build_fabric(key: str, r: dict):
    from ..types import NetworkFabric

    return NetworkFabric(name=key, topology=r["topo"], bandwidth=r["bw"], latency=r["lat"],
                         provenance=_prov(r, "datasheet"))


def build_node(key: str, r: dict):
    from ..types import Node
    from .hardware import Hardware

    kw = {"intra_node_latency": r["lat"]} if r.get("lat") else {}
    if r.get("power"):
        kw["rated_power"] = r["power"]
    return Node(name=r["name"], accelerator=Hardware.get(r["hw"]), accelerators_per_node=r["n"],
                intra_node_bw=r["intra"], intra_node_bw_direction="bidirectional_total", nics_per_node=r["nics"],
                psus_per_node=r["psus"], provenance=_prov(r, "datasheet"), **kw)


def build_cluster(key: str, r: dict):
    from ..types import Fleet
    from .grids import Grids

    return Fleet(name=key, node=Systems.Nodes.get(r["node"]), count=r["count"],
                 fabric=Systems.Fabrics.get(r["fabric"]),
                 region=Grids.get(r["region"]) if r["region"] else None, provenance=_prov(r, "derived"))


Systems = Zoo(
    "Systems",
    {
        "Fabrics": Group("Systems.Fabrics", FABRIC_ROWS, build_fabric, doc="Scale-out networks (per-direction BW).",
                         default_fields=("topology", "bandwidth", "latency")),
        "Nodes": Group("Systems.Nodes", NODE_ROWS, build_node, doc="Multi-accelerator servers.",
                       default_fields=("accelerator.name", "accelerators_per_node", "intra_node_bw")),
        "Clusters": Group("Systems.Clusters", CLUSTER_ROWS, build_cluster, doc="Fleets of nodes on a fabric.",
                          default_fields=("total_accelerators", "fabric.name", "region.name")),
    },
    doc="Fabrics, nodes and clusters: Systems.Nodes.DGX_H100, Systems.Clusters.Training_1K.",
)
