// Security Whitepaper edition 3, certificate management: the state and checks the certificate
// modules share (certificates.cpp: M03, M04, M05; certificate_renewal.cpp: A02, A03;
// extended_trigger.cpp asks for a renewal).
#pragma once

#include <string>
#include <string_view>

#include "ocpp/time.hpp"
#include "ocpp/v16/engine.hpp"

namespace ocpp::v16 {

/// The SecurityProfile the charge point uses now (configuration key, section 7.6).
int current_security_profile(const Engine::Impl& engine);

/// Whether certificate changes are accepted over the current connection: only with TLS, that
/// is SecurityProfile 2 or 3 (docs/protocol-choices.md: over profile 0 or 1 the CSMS is not
/// authenticated, so whoever answers the connection could plant or remove trust anchors).
bool certificate_changes_allowed(const Engine::Impl& engine);

/// The CN of the charge point's certificate signing requests (A00.FR.511): the charge point
/// identity of EngineOptions, else the BootNotification's chargePointSerialNumber; empty if
/// neither is known.
std::string certificate_common_name(const Engine::Impl& engine);

/// Whether a charge point certificate renewal can start now (A02, A03): a SecurityProvider,
/// CpoName set (A02 prerequisite), a CN, certificate changes allowed, BootNotification
/// Accepted and room for the SignCertificate.req.
bool can_renew_certificate(const Engine::Impl& engine);

/// Starts a renewal: a new key pair and its CSR (SecurityProvider::generate_csr, CN and O =
/// CpoName, A02.FR.02, A02.FR.13), sent in a SignCertificate.req (A02.FR.03). Returns false
/// (logged) when the provider cannot make the CSR.
bool renew_certificate(Engine::Impl& engine, Now now);

/// The PEM text without its whitespace, to compare certificates whatever their line breaks.
std::string pem_without_whitespace(std::string_view pem);

}  // namespace ocpp::v16
