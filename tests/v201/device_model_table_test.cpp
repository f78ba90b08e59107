// The OCPP 2.0.1 device model table (src/v201/generated/device_model_table.hpp), generated from
// the device model tables of OCPP 2.0.1 edition 3 (part 2 appendices, dm_components_vars; part 2
// chapter 2, "Referenced Components and Variables").

#include <catch2/catch.hpp>

#include <set>
#include <string_view>
#include <tuple>

#include "v201/generated/device_model_table.hpp"

namespace dm = ocpp::v201::device_model;

namespace {

const dm::Entry& must_find(std::string_view component, std::string_view variable,
                           std::string_view instance = {}) {
    const dm::Entry* e = dm::find(component, variable, instance);
    INFO(component << "." << variable << "[" << instance << "]");
    REQUIRE(e != nullptr);
    return *e;
}

}  // namespace

TEST_CASE("v201 device model: one entry per row of dm_components_vars.csv", "[v201][device_model]") {
    // tools/codegen/spec/v201/dm_components_vars.csv: 249 rows below the header.
    STATIC_REQUIRE(dm::kEntryCount == 249);
    CHECK(dm::count() == 249);
}

TEST_CASE("v201 device model: entries are sorted and unique", "[v201][device_model]") {
    std::set<std::tuple<std::string_view, std::string_view, std::string_view>> keys;
    const dm::Entry* all = dm::entries();
    for (std::size_t i = 0; i < dm::count(); ++i) {
        const dm::Entry& e = all[i];
        CHECK_FALSE(e.component.empty());
        CHECK_FALSE(e.variable.empty());
        CHECK(e.attributes != 0);
        CHECK(keys.insert({e.component, e.variable, e.instance}).second);
        if (i > 0) {
            const dm::Entry& p = all[i - 1];
            CHECK(std::tie(p.component, p.variable, p.instance) <
                  std::tie(e.component, e.variable, e.instance));
        }
        // Every entry is found by its own key.
        CHECK(dm::find(e.component, e.variable, e.instance) == &e);
    }
    CHECK(keys.size() == dm::count());
}

TEST_CASE("v201 device model: known entries", "[v201][device_model]") {
    // Part 2 chapter 2, 2.1.5 HeartbeatInterval.
    const dm::Entry& heartbeat = must_find("OCPPCommCtrlr", "HeartbeatInterval");
    CHECK(heartbeat.data_type == dm::DataType::Integer);
    CHECK(heartbeat.unit == "s");
    CHECK(heartbeat.mutability == dm::Mutability::ReadWrite);
    CHECK_FALSE(heartbeat.required);
    CHECK(heartbeat.section == "General");
    CHECK(dm::has_attribute(heartbeat, dm::Attribute::Actual));
    CHECK_FALSE(dm::has_attribute(heartbeat, dm::Attribute::MaxSet));

    // 2.2.5 SecurityProfile.
    const dm::Entry& profile = must_find("SecurityCtrlr", "SecurityProfile");
    CHECK(profile.data_type == dm::DataType::Integer);
    CHECK(profile.required);
    CHECK(profile.mutability == dm::Mutability::ReadOnly);
    CHECK(profile.section == "Security related");

    const dm::Entry& password = must_find("SecurityCtrlr", "BasicAuthPassword");
    CHECK(password.data_type == dm::DataType::PasswordString);
    CHECK(password.mutability == dm::Mutability::WriteOnly);
    CHECK(dm::to_string(password.data_type) == "passwordString");

    const dm::Entry& auth = must_find("AuthCtrlr", "Enabled");
    CHECK(auth.data_type == dm::DataType::Boolean);
    CHECK(auth.mutability == dm::Mutability::ReadWrite);

    // Spelled "MasterPassGroupld" and "Seccld" in the converted chapter 2; joined all the same.
    CHECK(must_find("AuthCtrlr", "MasterPassGroupId").mutability == dm::Mutability::ReadWrite);
    CHECK(must_find("ISO15118Ctrlr", "SeccId").mutability == dm::Mutability::ReadWrite);
    CHECK(must_find("SampledDataCtrlr", "TxEndedInterval").section == "Metering related");

    const dm::Entry& measurands = must_find("SampledDataCtrlr", "TxUpdatedMeasurands");
    CHECK(measurands.data_type == dm::DataType::MemberList);
    CHECK(measurands.required);
    CHECK(dm::to_string(measurands.data_type) == "MemberList");

    const dm::Entry& attempts = must_find("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent");
    CHECK(attempts.data_type == dm::DataType::Integer);
    CHECK(attempts.required);
    CHECK(attempts.mutability == dm::Mutability::ReadWrite);

    const dm::Entry& timeout = must_find("OCPPCommCtrlr", "MessageTimeout", "Default");
    CHECK(timeout.unit == "s");

    const dm::Entry& policy = must_find("AuthCacheCtrlr", "Policy");
    CHECK(policy.data_type == dm::DataType::OptionList);
    CHECK(policy.values_list == "LRU,LFU,FIFO,CUSTOM");

    const dm::Entry& tx_start = must_find("TxCtrlr", "TxStartPoint");
    CHECK(tx_start.mutability == dm::Mutability::ReadOnlyOrReadWrite);
    CHECK(dm::to_string(tx_start.mutability) == "ReadOnlyOrReadWrite");

    // Variables of any component sit under "<generic>".
    const dm::Entry& current = must_find("<generic>", "ACCurrent");
    CHECK(current.data_type == dm::DataType::Decimal);
    CHECK(current.unit == "A");
    CHECK(current.mutability == dm::Mutability::Unspecified);
    CHECK(current.section.empty());
}

TEST_CASE("v201 device model: lookups are exact and case-sensitive", "[v201][device_model]") {
    CHECK(dm::find("ocppcommctrlr", "HeartbeatInterval") == nullptr);
    CHECK(dm::find("OCPPCommCtrlr", "heartbeatinterval") == nullptr);
    CHECK(dm::find("OCPPCommCtrlr", "HeartbeatInterval ") == nullptr);
    // An instance is part of the key: MessageAttempts exists only as TransactionEvent.
    CHECK(dm::find("OCPPCommCtrlr", "MessageAttempts") == nullptr);
    CHECK(dm::find("OCPPCommCtrlr", "MessageAttempts", "transactionevent") == nullptr);
    CHECK(dm::find("OCPPCommCtrlr", "HeartbeatInterval", "Default") == nullptr);
    CHECK(dm::find("NoSuchCtrlr", "Enabled") == nullptr);
    CHECK(dm::find("AuthCtrlr", "NoSuchVariable") == nullptr);
    CHECK(dm::find("", "") == nullptr);
    // "zz" sorts after every entry, "" before.
    CHECK(dm::find("zz", "zz", "zz") == nullptr);
}
