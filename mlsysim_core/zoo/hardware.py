"""Hardware zoo: accelerators from a microcontroller to a wafer-scale engine, one row per device.

Conventions (apply to every row; a row's ``notes`` say where it departs):

* ``peak`` is the **dense** FP16/BF16 tensor figure; ``prec`` lists other dense per-precision peaks
  from the datasheet (NVIDIA quotes 2:4-sparse figures at 2× — we halve them and say so).
* Memory capacity: DRAM/HBM is physically binary (stacks/dies are powers of two), and vendors'
  "80 GB" means 80 GiB — we store **GiB** (the MLSys·im convention). On-wafer SRAM (Cerebras) stays
  decimal GB as stated. Bandwidths are decimal (GB/s = 1e9 B/s) as stated.
* ``host`` is the PCIe link **per direction** (PCIe Gen5 x16 = 128 GB/s bidirectional → 64 GB/s).
  ``up`` is the scale-up link (NVLink / ICI / Infinity Fabric / RoCE); NVLink, ICI and IF figures
  are send+receive totals → ``direction="bidirectional_total"`` (collectives use half).
* ``tdp`` is the board/module maximum; ``cost`` is a USD **estimate** unless the vendor lists a
  price (MSRP); ``dispatch`` is an estimated fixed per-launch software overhead (CUDA launch
  ≈ 5–10 µs; XLA/TPU and NPU delegates higher); ``embodied`` is a manufacturing-carbon estimate.
* ``kind`` of the provenance describes the headline numbers (compute, memory); estimated fields
  are flagged inside ``notes``. Every source was checked on :data:`VERIFIED`.

Rows are turned into :class:`~mlsysim_core.types.HardwareNode` objects lazily, on first access.
"""

from __future__ import annotations

import datetime as _dt

from ._registry import Group, Zoo

__all__ = ["Hardware", "VERIFIED", "ROWS"]

VERIFIED = _dt.date(2026, 11, 23)

_NV_DS = "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet"
_ORIN = "https://www.nvidia.com/content/dam/en-zz/Solutions/gtcf21/jetson-orin/nvidia-jetson-agx-orin-technical-brief.pdf"
_GIB = "HBM 'GB' stored as GiB (binary stacks). "
_NVL = "NVLink figure is the send+receive total. "
_NVME = "storage: one 3.84 TB Gen4 U.2 NVMe per GPU as in DGX systems, ~7 GB/s sequential [estimate]. "

# key: row (``grp`` = zoo group). Strings are parsed by pint ("989.4 TFLOP/s"); "cap @ bw" pairs; links are
# "name | bandwidth | bidir?" (bidir → send+receive total).
ROWS: dict[str, dict] = {
    # ---------------------------------------------------------------- cloud / datacenter
    "V100": dict(
        grp="Cloud", name="NVIDIA V100 SXM2 32GB", cat="cloud", year=2017, peak="125 TFLOP/s",
        prec="fp32=15.7 TFLOP/s", mem="32 GiB @ 900 GB/s",
        host="PCIe Gen3 x16 | 15.75 GB/s", up="NVLink 2 | 300 GB/s | bidir",
        tdp="300 W", cost="10000 USD", dispatch="0.02 ms",
        src="https://images.nvidia.com/content/technologies/volta/pdf/volta-v100-datasheet-update-us-1165301-r5.pdf",
        notes=_GIB + _NVL + "125 TF is the FP16 tensor-core (mixed precision) peak. cost: estimate."),
    "T4": dict(
        grp="Cloud", name="NVIDIA T4", cat="cloud", year=2018, peak="65 TFLOP/s",
        prec="fp32=8.1 TFLOP/s, int8=130 TFLOP/s, int4=260 TFLOP/s", mem="16 GiB @ 320 GB/s", memkind="GDDR",
        host="PCIe Gen3 x16 | 15.75 GB/s", tdp="70 W", cost="2500 USD", dispatch="0.02 ms",
        src="https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/tesla-t4/t4-tensor-core-datasheet-951643.pdf",
        notes="GDDR6, datasheet states '320+ GB/s'. FP16 mixed-precision tensor peak. cost: estimate."),
    "A100": dict(
        grp="Cloud", name="NVIDIA A100 SXM4 80GB", cat="cloud", year=2020, peak="312 TFLOP/s",
        prec="fp32=19.5 TFLOP/s, tf32=156 TFLOP/s, int8=624 TFLOP/s, int4=1248 TFLOP/s",
        mem="80 GiB @ 2039 GB/s", storage="3.84 TB @ 7 GB/s",
        host="PCIe Gen4 x16 | 32 GB/s", up="NVLink 3 | 600 GB/s | bidir",
        tdp="400 W", cost="15000 USD", dispatch="0.015 ms", embodied="150 kg",
        src="https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf",
        notes=_GIB + _NVL + _NVME + "40 GB variant: 1,555 GB/s. Dense figures (sparse = 2x). "
              "cost: estimate; embodied_carbon 150 kg: estimate (no vendor LCA)."),
    "H100": dict(
        grp="Cloud", name="NVIDIA H100 SXM5 80GB", cat="cloud", year=2022, peak="989.4 TFLOP/s",
        prec="fp32=66.9 TFLOP/s, tf32=494.7 TFLOP/s, fp8=1978.9 TFLOP/s, int8=1978.9 TFLOP/s",
        mem="80 GiB @ 3.35 TB/s", storage="3.84 TB @ 7 GB/s",
        host="PCIe Gen5 x16 | 64 GB/s", up="NVLink 4 | 900 GB/s | bidir",
        tdp="700 W", cost="30000 USD", dispatch="0.01 ms", embodied="164 kg",
        src=_NV_DS,
        notes=_GIB + _NVL + _NVME + "Dense figures: datasheet BF16 1,979 TF and FP8 3,958 TF are 2:4-sparse. "
              "cost: street-price estimate (USD 25-40k reported); embodied_carbon 164 kg: estimate."),
    "H100_PCIe": dict(
        grp="Cloud", name="NVIDIA H100 PCIe 80GB", cat="cloud", year=2022, peak="756.5 TFLOP/s",
        prec="fp32=51.2 TFLOP/s, tf32=378 TFLOP/s, fp8=1513 TFLOP/s, int8=1513 TFLOP/s",
        mem="80 GiB @ 2.0 TB/s", host="PCIe Gen5 x16 | 64 GB/s", up="NVLink bridge | 600 GB/s | bidir",
        tdp="350 W", cost="25000 USD", dispatch="0.01 ms", src=_NV_DS,
        notes=_GIB + _NVL + "HBM2e. TDP 300-350 W configurable. cost: estimate."),
    "H200": dict(
        grp="Cloud", name="NVIDIA H200 SXM 141GB", cat="cloud", year=2024, peak="989.4 TFLOP/s",
        prec="fp32=66.9 TFLOP/s, tf32=494.7 TFLOP/s, fp8=1978.9 TFLOP/s, int8=1978.9 TFLOP/s",
        mem="141 GiB @ 4.8 TB/s", storage="3.84 TB @ 7 GB/s",
        host="PCIe Gen5 x16 | 64 GB/s", up="NVLink 4 | 900 GB/s | bidir",
        tdp="700 W", cost="35000 USD", dispatch="0.01 ms",
        src="https://www.nvidia.com/en-us/data-center/h200/",
        notes=_GIB + _NVL + _NVME + "HBM3e; compute identical to H100 SXM. cost: estimate."),
    "B200": dict(
        grp="Cloud", name="NVIDIA B200 (HGX)", cat="cloud", year=2024, peak="2250 TFLOP/s",
        prec="tf32=1100 TFLOP/s, fp8=4500 TFLOP/s, int8=4500 TFLOP/s, fp4=9000 TFLOP/s",
        mem="180 GiB @ 7.7 TB/s", storage="3.84 TB @ 7 GB/s",
        host="PCIe Gen5 x16 | 64 GB/s", up="NVLink 5 | 1800 GB/s | bidir",
        tdp="1000 W", cost="40000 USD", dispatch="0.008 ms",
        src="https://www.nvidia.com/en-us/data-center/hgx/",
        notes=_GIB + _NVL + _NVME + "Sources disagree: early B200 specs said 192 GB HBM3e and 8 TB/s; the "
              "HGX B200 table gives 180 GB and 7.7 TB/s (used here). GB200 variant up to 1,200 W. "
              "Dense = half of the sparse figures. cost: estimate (USD 30-40k reported)."),
    "L4": dict(
        grp="Cloud", name="NVIDIA L4", cat="cloud", year=2023, peak="121 TFLOP/s",
        prec="fp32=30.3 TFLOP/s, tf32=60 TFLOP/s, fp8=242.5 TFLOP/s, int8=242.5 TFLOP/s",
        mem="24 GiB @ 300 GB/s", memkind="GDDR", host="PCIe Gen4 x16 | 32 GB/s", tdp="72 W", cost="2500 USD",
        dispatch="0.01 ms", src="https://www.nvidia.com/en-us/data-center/l4/",
        notes="GDDR6. Dense = half of datasheet sparse figures (FP16 242, FP8 485, TF32 120). cost: estimate."),
    "MI300X": dict(
        grp="Cloud", name="AMD Instinct MI300X", cat="cloud", year=2023, peak="1307.4 TFLOP/s",
        prec="fp32=163.4 TFLOP/s, tf32=653.7 TFLOP/s, fp8=2614.9 TFLOP/s, int8=2614.9 TFLOP/s",
        mem="192 GiB @ 5.3 TB/s", host="PCIe Gen5 x16 | 64 GB/s",
        up="Infinity Fabric | 896 GB/s | bidir", tdp="750 W", cost="15000 USD", dispatch="0.012 ms",
        src="https://www.amd.com/content/dam/amd/en/documents/instinct-tech-docs/data-sheets/amd-instinct-mi300x-data-sheet.pdf",
        notes=_GIB + "HBM3, 8 stacks x 24 GiB. Infinity Fabric 7 links x 128 GB/s, treated as a "
              "send+receive total. fp32 is the matrix figure. cost: estimate (USD 10-20k reported)."),
    "TPUv4": dict(
        grp="Cloud", name="Google TPU v4", cat="cloud", year=2021, peak="275 TFLOP/s", prec="int8=275 TFLOP/s",
        mem="32 GiB @ 1200 GB/s", host="PCIe Gen3 x16 | 15.75 GB/s", up="ICI | 540 GB/s | bidir", tdp="192 W", dispatch="0.02 ms",
        src="https://cloud.google.com/tpu/docs/v4",
        notes="host: PCIe Gen3 x16 to the host CPU (4 chips per host) [estimate: Google does not publish the host link]. Google states 32 GiB HBM2. tdp: Google's measured max power (min/mean/max 90/170/192 W). "
              "ICI: 6 links per chip (3D torus, 4,096-chip pod; Jouppi et al. 2023, ISCA, arXiv 2304.01433) x "
              "45 GB/s per link per direction (JAX team, 'How to Scale Your Model', TPU chapter: v4p ICI one-way "
              "4.5e10 B/s per link) = 270 GB/s per direction = 540 GB/s send+receive; cross-check: the page's "
              "'all-reduce bandwidth per Pod 1.1 PB/s' / 4,096 chips = 269 GB/s per chip. Not sold: no unit cost."),
    "TPUv5e": dict(
        grp="Cloud", name="Google TPU v5e", cat="cloud", year=2023, peak="197 TFLOP/s", prec="int8=393 TFLOP/s",
        mem="16 GiB @ 819 GB/s", host="PCIe Gen4 x16 | 32 GB/s", up="ICI | 400 GB/s | bidir", dispatch="0.02 ms",
        src="https://cloud.google.com/tpu/docs/v5e",
        notes="host: PCIe Gen4 x16 per chip [estimate: not published]. Google: ICI 400 GBps bidirectional per chip (older table: 1,600 Gbps = 200 GB/s per direction). "
              "8 chips per host, 256-chip 2D-torus pod. tdp not published (None). Not sold: no unit cost."),
    "TPUv5p": dict(
        grp="Cloud", name="Google TPU v5p", cat="cloud", year=2023, peak="459 TFLOP/s",
        prec="fp8=459 TFLOP/s, int8=918 TFLOP/s", mem="95 GiB @ 2765 GB/s", host="PCIe Gen4 x16 | 32 GB/s",
        up="ICI | 1200 GB/s | bidir", dispatch="0.02 ms",
        src="https://cloud.google.com/tpu/docs/v5p",
        notes="host: PCIe Gen4 x16 per chip [estimate: not published]. Google states 95 GiB HBM2e; ICI 1,200 GBps bidirectional per chip (older table: 4,800 Gbps = "
              "600 GB/s per direction). 4 chips per host, 8,960-chip 3D-torus pod. int8 918 TOPS from the "
              "launch spec. tdp not published (None). Not sold: no unit cost."),
    "Gaudi3": dict(
        grp="Cloud", name="Intel Gaudi 3 (OAM)", cat="cloud", year=2024, peak="1835 TFLOP/s", prec="fp8=1835 TFLOP/s",
        mem="128 GiB @ 3.67 TB/s", sram="96 MB @ 12.8 TB/s", host="PCIe Gen5 x16 | 64 GB/s",
        up="24x 200GbE RoCE | 1200 GB/s | bidir", tdp="900 W", cost="15625 USD", dispatch="0.012 ms",
        src="https://www.intel.com/content/www/us/en/content-details/817486/intel-gaudi-3-ai-accelerator-white-paper.html",
        notes=_GIB + "Hot Chips 2024 (Kaplan): BF16/FP8 matrix 1,835 TF, BF16 vector 28.7 TF, 96 MB SRAM at "
              "12.8 TB/s, networking 1,200 GB/s bidirectional, PCIe 128 GB/s bidirectional; 900 W air / "
              "1,200 W liquid. cost: Intel's USD 125k 8-accelerator kit / 8."),
    "CerebrasCS3": dict(
        grp="Cloud", name="Cerebras CS-3 (WSE-3)", cat="wafer", year=2024, peak="125 PFLOP/s",
        mem="44 GB @ 21 PB/s", sram="44 GB @ 21 PB/s", host="12x 100GbE system I/O | 150 GB/s", up="System I/O to MemoryX/SwarmX | 1.2 Tbit/s",
        tdp="23 kW", cost="2500000 USD", dispatch="0.001 ms",
        src="https://www.cerebras.ai/press-release/cerebras-announces-third-generation-wafer-scale-engine",
        notes="host: input data arrive over the 12 x 100 GbE system I/O = 1.2 Tb/s = 150 GB/s. WSE-3: 900,000 cores, 44 GB on-wafer SRAM (decimal, as stated) at 21 PB/s. 125 PF is Cerebras' "
              "'peak AI' figure (credits sparsity; dense FP16 not published). scale_up: system I/O 1.2 Tb/s "
              "(12 x 100 GbE) per direction to MemoryX/SwarmX - NOT 1.2 TB/s. tdp ~23 kW and cost "
              "(USD 2-3M reported): estimates."),
    # ---------------------------------------------------------------- workstation
    "RTX4090": dict(
        grp="Workstation", name="NVIDIA GeForce RTX 4090", cat="workstation", year=2022, peak="165.2 TFLOP/s",
        prec="fp32=82.6 TFLOP/s, tf32=82.6 TFLOP/s, fp8=330.3 TFLOP/s, int8=660.6 TFLOP/s, int4=1321.2 TFLOP/s",
        mem="24 GiB @ 1008 GB/s", host="PCIe Gen4 x16 | 32 GB/s", tdp="450 W", cost="1599 USD",
        dispatch="0.01 ms", src="https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf",
        notes="GDDR6X. Ada whitepaper: FP16 tensor with FP32 accumulate 165.2 TF dense (330.3 with FP16 "
              "accumulate); FP8 330.3 with FP32 accumulate. cost: launch MSRP."),
    "MacBookM3Max": dict(
        grp="Workstation", name="MacBook Pro M3 Max (40-core GPU, 128GB)", cat="workstation", year=2023, peak="14.2 TFLOP/s",
        prec="fp32=14.2 TFLOP/s, int8=18 TFLOP/s", mem="128 GiB @ 400 GB/s", memkind="LPDDR", storage="1 TB @ 6 GB/s", dispatch="0.05 ms",
        src="https://www.apple.com/newsroom/2023/10/apple-unveils-new-macbook-pro-featuring-m3-chips/",
        kind="vendor",
        notes="storage: internal SSD, ~6 GB/s sequential read in published reviews [estimate]. Apple states up to 128 GB unified memory and 400 GB/s (40-core GPU), Neural Engine 18 TOPS "
              "(int8 here). GPU FLOP/s not published: 14.2 TF derived (40 cores x 128 ALUs x 2 x ~1.4 GHz; "
              "FP16 runs at the FP32 rate). tdp and cost not set (not published per config)."),
    # ---------------------------------------------------------------- edge
    "JetsonAGXOrin": dict(
        grp="Edge", name="NVIDIA Jetson AGX Orin 64GB", cat="edge", year=2022, peak="42.5 TFLOP/s",
        prec="fp32=5.3 TFLOP/s, int8=137.5 TFLOP/s", mem="64 GiB @ 204.8 GB/s", storage="64 GB @ 0.4 GB/s", host="PCIe Gen4 x8 | 15.75 GB/s", tdp="60 W",
        cost="1999 USD", dispatch="0.02 ms", src=_ORIN, kind="derived",
        notes="storage: 64 GB eMMC 5.1 on the module (interface max 400 MB/s); host: PCIe Gen4 x8 root port (NVMe/cameras). Vendor: 275 sparse INT8 TOPS (GPU 170 + 2 DLA 105), LPDDR5 204.8 GB/s, 15-60 W. Dense INT8 = "
              "275/2. FP16 dense derived: 64 tensor cores x 1.3 GHz x 512 FLOP/clk. cost: developer-kit price."),
    "JetsonOrinNX": dict(
        grp="Edge", name="NVIDIA Jetson Orin NX 16GB", cat="edge", year=2023, peak="15 TFLOP/s", prec="int8=50 TFLOP/s",
        mem="16 GiB @ 102.4 GB/s", host="PCIe Gen4 x4 | 7.88 GB/s", tdp="25 W", cost="599 USD", dispatch="0.02 ms", src=_ORIN, kind="derived",
        notes="No on-module storage: NVMe SSD on the PCIe Gen4 x4 root port (host link here). Vendor: 100 sparse INT8 TOPS (GPU + 2 DLA), LPDDR5 102.4 GB/s, 10-25 W. Dense INT8 = 100/2. "
              "FP16 dense derived: 32 tensor cores x 918 MHz x 512 FLOP/clk. cost: module list price (estimate)."),
    "JetsonOrinNano": dict(
        grp="Edge", name="NVIDIA Jetson Orin Nano 8GB", cat="edge", year=2023, peak="10.2 TFLOP/s", prec="int8=20 TFLOP/s",
        mem="8 GiB @ 68 GB/s", host="PCIe Gen3 x4 | 3.94 GB/s", tdp="15 W", cost="499 USD", dispatch="0.02 ms", src=_ORIN, kind="derived",
        notes="No on-module storage: NVMe SSD on the PCIe Gen3 x4 root port (host link here). Vendor: 40 sparse INT8 TOPS (GPU only), LPDDR5 68 GB/s, 7-15 W. FP16 dense derived: 32 tensor "
              "cores x 625 MHz x 512 FLOP/clk. (2024 'Super' firmware: 67 TOPS, 102 GB/s, 25 W.) cost: "
              "original developer-kit price."),
    "RaspberryPi5": dict(
        grp="Edge", name="Raspberry Pi 5 (8GB)", cat="edge", year=2023, peak="307 GFLOP/s",
        prec="fp32=153.6 GFLOP/s, int8=614 GFLOP/s", mem="8 GiB @ 17.1 GB/s", storage="64 GB @ 0.104 GB/s", host="PCIe Gen2 x1 | 0.5 GB/s", tdp="12 W", cost="80 USD",
        dispatch="0.05 ms", src="https://www.raspberrypi.com/products/raspberry-pi-5/", kind="derived",
        notes="storage: microSD (SDR104, 104 MB/s max); host: the single-lane PCIe 2.0 connector (NVMe HAT). 4x Cortex-A76 @ 2.4 GHz: FP32 = 4 cores x 16 FLOP/clk (2x128-bit FMA); FP16 2x; INT8 via SDOT "
              "4x. LPDDR4X-4267 on 32 bits = 17.1 GB/s. tdp: estimate (board under load); cost: list price."),
    # ---------------------------------------------------------------- mobile
    "iPhone15Pro": dict(
        grp="Mobile", name="iPhone 15 Pro (A17 Pro)", cat="mobile", year=2023, peak="17.5 TFLOP/s", prec="int8=35 TFLOP/s",
        mem="8 GiB @ 51.2 GB/s", storage="128 GB @ 1.6 GB/s", tdp="5 W", cost="999 USD", dispatch="1 ms",
        src="https://www.apple.com/newsroom/2023/09/apple-unveils-iphone-15-pro-and-iphone-15-pro-max/",
        kind="vendor",
        notes="storage: NVMe-based NAND, ~1.6 GB/s sequential read in reviews [estimate]. Apple: Neural Engine 35 TOPS (an INT8 figure; FP16 taken as half [estimate]). LPDDR5-6400 on "
              "64 bits = 51.2 GB/s [derived]. tdp: sustained phone envelope [estimate]; battery ~12.7 Wh. "
              "cost: launch price."),
    "Snapdragon8Gen3": dict(
        grp="Mobile", name="Qualcomm Snapdragon 8 Gen 3", cat="mobile", year=2023, peak="22.5 TFLOP/s", prec="int8=45 TFLOP/s",
        mem="12 GiB @ 76.8 GB/s", storage="256 GB @ 4.2 GB/s", tdp="5 W", dispatch="1.5 ms",
        src="https://www.qualcomm.com/products/mobile/snapdragon/smartphones/snapdragon-8-series-mobile-platforms/snapdragon-8-gen-3-mobile-platform",
        kind="estimate",
        notes="storage: UFS 4.0 (2 lanes x 23.2 Gb/s; ~4.2 GB/s sequential read). Qualcomm publishes LPDDR5X up to 4,800 MHz (64-bit: 76.8 GB/s) and up to 24 GB, but no NPU "
              "TOPS: 45 INT8 TOPS is a widely reported third-party figure, FP16 half of it [estimate]. "
              "12 GB is a typical flagship phone configuration. tdp: estimate."),
    # ---------------------------------------------------------------- tiny (microcontrollers)
    "ESP32_S3": dict(
        grp="Tiny", name="Espressif ESP32-S3", cat="tiny", year=2021, peak="0.96 GFLOP/s",
        prec="fp32=0.96 GFLOP/s, int8=15.4 GFLOP/s", mem="8 MiB @ 40 MB/s", sram="512 KiB @ 1.92 GB/s",
        flash="8 MiB @ 40 MB/s", storage="8 MiB @ 40 MB/s", tdp="0.5 W", cost="3 USD", dispatch="0.1 ms",
        src="https://www.espressif.com/sites/default/files/documentation/esp32-s3_datasheet_en.pdf",
        kind="derived",
        notes="storage: the same quad-SPI flash (no other storage on the module). Datasheet: dual-core Xtensa LX7 @ 240 MHz, 512 KB SRAM, external flash/PSRAM. Derived peaks: FP32 "
              "FPU 1 FMA/clk/core; INT8 128-bit SIMD 16 MAC/clk/core (no FP16 hardware: peak = FP32 rate). "
              "Main memory = 8 MiB quad-SPI flash (ESP32-S3-WROOM-1-N8) at 80 MHz x 4 bit = 40 MB/s. SRAM "
              "bandwidth: 32 bit/clk/core. tdp (CPU active; Wi-Fi TX peaks > 1 W) and cost: estimates."),
    "nRF52840": dict(
        grp="Tiny", name="Nordic nRF52840 (Cortex-M4F)", cat="tiny", year=2018, peak="64 MFLOP/s",
        prec="fp32=64 MFLOP/s, int8=256 MFLOP/s", mem="1 MiB @ 256 MB/s", sram="256 KiB @ 256 MB/s",
        flash="1 MiB @ 256 MB/s", storage="1 MiB @ 256 MB/s", tdp="15 mW", cost="5 USD", dispatch="0.1 ms",
        src="https://docs.nordicsemi.com/bundle/ps_nrf52840/page/keyfeatures_html5.html", kind="derived",
        notes="storage: the on-chip flash (no other storage). Product spec: Cortex-M4F @ 64 MHz, 1 MB flash, 256 KB RAM. Derived: ~1 FP32 FLOP/clk, INT8 via "
              "SMLAD 2 MAC/clk (theoretical); memory 32 bit/clk. tdp (~3.3 mA CPU at 3 V plus peripherals) "
              "and cost: estimates."),
}

_GROUP_DOCS = {
    "Cloud": "Datacenter accelerators (GPUs, TPUs, Gaudi, wafer-scale).",
    "Workstation": "Desktop and laptop accelerators.",
    "Edge": "Embedded / edge AI modules.",
    "Mobile": "Phone SoCs (NPU figures).",
    "Tiny": "Microcontrollers (TinyML).",
}

_DEFAULT_FIELDS = ("category", "release_year", "peak_flops", "memory.capacity", "memory.bandwidth", "tdp")


def _pair(text: str | None) -> tuple[str | None, str | None]:
    """``"80 GiB @ 3.35 TB/s"`` → (``"80 GiB"``, ``"3.35 TB/s"``)."""
    if not text:
        return None, None
    cap, bw = (part.strip() for part in text.split("@"))
    return cap, bw


def _link(text: str | None):
    from ..types.hardware import IOInterconnect

    if not text:
        return None
    parts = [p.strip() for p in text.split("|")]
    bidir = len(parts) > 2 and parts[2] == "bidir"
    return IOInterconnect(name=parts[0], bandwidth=parts[1],
                          direction="bidirectional_total" if bidir else "per_direction")


def _prec(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    return {k.strip(): v.strip() for k, v in (item.split("=") for item in text.split(","))}


def build_hardware(key: str, r: dict):
    """Turn one declarative row into a validated :class:`HardwareNode`."""
    from ..types import ComputeCore, HardwareNode, MemoryHierarchy, Provenance, StorageHierarchy

    cap, bw = _pair(r["mem"])
    s_cap, s_bw = _pair(r.get("sram"))
    f_cap, f_bw = _pair(r.get("flash"))
    st_cap, st_bw = _pair(r.get("storage"))
    kw = {}
    for src_key, field in (("tdp", "tdp"), ("cost", "unit_cost"), ("embodied", "embodied_carbon"),
                           ("dispatch", "dispatch_tax")):
        if r.get(src_key):
            kw[field] = r[src_key]
    return HardwareNode(
        name=r["name"],
        category=r["cat"],
        release_year=r["year"],
        compute=ComputeCore(peak_flops=r["peak"], precision_flops=_prec(r.get("prec"))),
        memory=MemoryHierarchy(capacity=cap, bandwidth=bw, sram_capacity=s_cap, sram_bandwidth=s_bw,
                               flash_capacity=f_cap, flash_bandwidth=f_bw, kind=r.get("memkind")),
        storage=StorageHierarchy(capacity=st_cap, bandwidth=st_bw) if st_cap else None,
        interconnect=_link(r.get("host")),
        scale_up=_link(r.get("up")),
        provenance=Provenance(source=r["src"], verified=VERIFIED, kind=r.get("kind", "datasheet"),
                              notes=r.get("notes", "")),
        **kw,
    )


Hardware = Zoo(
    "Hardware",
    {
        g: Group(f"Hardware.{g}", {k: r for k, r in ROWS.items() if r["grp"] == g}, build_hardware,
                 doc=doc, default_fields=_DEFAULT_FIELDS)
        for g, doc in _GROUP_DOCS.items()
    },
    doc="Accelerator datasheets with provenance: Hardware.Cloud.H100, Hardware.Tiny.ESP32_S3, Hardware.get('h100').",
    default_fields=_DEFAULT_FIELDS,
)
