// ocpp-chargerd --ocpp 2.0.1: the simulated charger as an OCPP 2.0.1 Charging Station.
#pragma once

#include "options.hpp"

/// Runs the daemon in OCPP 2.0.1 mode until a signal, `quit` or a reset; returns the exit
/// status (0 after a clean stop, 1 when the station cannot start).
int run_v201(const DaemonOptions& opts);
