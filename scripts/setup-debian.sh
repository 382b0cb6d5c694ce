#!/usr/bin/env bash
# Install what af needs from Debian (run as root): Icarus Verilog for the
# proofs, Cairo/Pango for the plots, Fashion-MNIST for the network tests,
# then the npm packages (npm ci also builds the TypeScript).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  iverilog dataset-fashion-mnist \
  build-essential python3 pkg-config fonts-dejavu-core \
  libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev >/dev/null
npm ci --no-audit --no-fund
