// Local authorization of OCPP 2.0.1 (part 2 block C, D): the settings of the Authorization
// Cache (C10-C12), the Local Authorization List (C13, C14, D01, D02) and how a presented
// idToken is decided with them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ocpp/v201/generated/messages.hpp"

namespace ocpp::v201 {

/// The replacement policies of AuthCacheCtrlr.Policy this station implements.
enum class AuthCachePolicy { LRU };

/// The device model variables of local authorization (AuthCtrlr, AuthCacheCtrlr,
/// LocalAuthListCtrlr), with the values a Charging Station has before the CSMS sets any. The
/// device model assigns them one variable at a time.
struct AuthSettings {
  bool local_authorize_offline = true;        // AuthCtrlr.LocalAuthorizeOffline
  bool local_pre_authorize = false;           // AuthCtrlr.LocalPreAuthorize
  bool disable_remote_authorization = false;  // AuthCtrlr.DisableRemoteAuthorization
  std::string master_pass_group_id;           // AuthCtrlr.MasterPassGroupId; empty: none

  bool cache_enabled = true;                            // AuthCacheCtrlr.Enabled
  std::chrono::seconds cache_life_time{86400};          // AuthCacheCtrlr.LifeTime; 0: no limit
  std::size_t cache_max_entries = 1000;                 // bound of the cache (C10.FR.07)
  std::size_t cache_max_bytes = 256 * 1024;             // AuthCacheCtrlr.Storage maxLimit
  AuthCachePolicy cache_policy = AuthCachePolicy::LRU;  // AuthCacheCtrlr.Policy
  bool cache_disable_post_authorize = false;            // AuthCacheCtrlr.DisablePostAuthorize

  bool list_enabled = true;                        // LocalAuthListCtrlr.Enabled
  std::size_t list_max_entries = 1000;             // LocalAuthListCtrlr.Entries maxLimit
  std::size_t list_items_per_message = 250;        // LocalAuthListCtrlr.ItemsPerMessage
  std::size_t list_bytes_per_message = 64 * 1024;  // LocalAuthListCtrlr.BytesPerMessage
  bool list_disable_post_authorize = false;        // LocalAuthListCtrlr.DisablePostAuthorize
  bool list_supports_expiry_date_time = false;     // LocalAuthListCtrlr.SupportsExpiryDateTime
};

/// What the Local Authorization List or the Authorization Cache says of an idToken.
struct LocalAuthorization {
  IdTokenInfoType info;
  bool listed = false;  // from the Local Authorization List (else the cache)
};

/// The key of an idToken in the cache and the list: its type and value, the value in upper
/// case (IdTokenType: "IdToken is case insensitive").
std::string auth_key(const IdTokenType& token);

}  // namespace ocpp::v201
