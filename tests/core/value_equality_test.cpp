// value_equality_test.cpp — struct values compare as maps of their fields,
// at every size: the index a large struct's comparison builds answers as the
// field-by-field search a small one makes, repeated names included.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "dust/value.hpp"

namespace dust {
namespace {

using FieldList = std::vector<std::pair<std::string, Value>>;

// The definition: each field of `a` equals the first field of `b` that has
// its name.
bool fields_match_by_search(const FieldList& a, const FieldList& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, value] : a) {
    bool found = false;
    for (const auto& [other_name, other_value] : b) {
      if (other_name == name) {
        found = other_value == value;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

FieldList numbered_fields(std::size_t count) {
  FieldList fields;
  for (std::size_t i = 0; i < count; ++i) {
    fields.emplace_back("f" + std::to_string(i), Value::integer(static_cast<std::int64_t>(i)));
  }
  return fields;
}

Value shape_of(FieldList fields) { return Value::structure("S", std::move(fields)); }

TEST(StructEquality, FieldOrderDoesNotMatterAtAnySize) {
  for (std::size_t count : {std::size_t{3}, std::size_t{16}, std::size_t{17}, std::size_t{5000}}) {
    FieldList fields = numbered_fields(count);
    FieldList reversed(fields.rbegin(), fields.rend());
    EXPECT_EQ(shape_of(fields), shape_of(reversed)) << count << " fields";
  }
}

TEST(StructEquality, OneDifferentValueOrNameMakesThemDifferAtAnySize) {
  for (std::size_t count : {std::size_t{3}, std::size_t{5000}}) {
    FieldList fields = numbered_fields(count);
    FieldList changed_value(fields.rbegin(), fields.rend());
    changed_value[count / 2].second = Value::integer(-1);
    EXPECT_NE(shape_of(fields), shape_of(changed_value)) << count << " fields";
    FieldList changed_name = fields;
    changed_name[count - 1].first = "missing";
    EXPECT_NE(shape_of(fields), shape_of(changed_name)) << count << " fields";
    FieldList shorter(fields.begin(), fields.end() - 1);
    EXPECT_NE(shape_of(fields), shape_of(shorter)) << count << " fields";
  }
}

TEST(StructEquality, DifferentTypesDiffer) {
  EXPECT_NE(Value::structure("A", numbered_fields(40)), Value::structure("B", numbered_fields(40)));
}

// A struct read from a file may repeat a name (no program makes one). The
// comparison takes the first field of a name, as the search does: random
// permutations of fields over few names, compared both ways.
TEST(StructEquality, RepeatedNamesCompareAsTheSearchDoes) {
  std::mt19937_64 rng(12345);
  int equal = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t count = trial % 2 == 0 ? 8 : 40;
    FieldList a;
    FieldList b;
    for (std::size_t i = 0; i < count; ++i) {
      a.emplace_back("n" + std::to_string(rng() % 6), Value::integer(static_cast<std::int64_t>(rng() % 2)));
    }
    b = a;
    std::shuffle(b.begin(), b.end(), rng);
    if (trial % 3 == 0) b[rng() % count].second = Value::integer(static_cast<std::int64_t>(rng() % 2));
    const bool expected = fields_match_by_search(a, b);
    equal += expected ? 1 : 0;
    EXPECT_EQ(shape_of(a) == shape_of(b), expected) << "trial " << trial;
  }
  // Both answers occur, so the comparison above is of something.
  EXPECT_GT(equal, 0);
  EXPECT_LT(equal, 400);
}

}  // namespace
}  // namespace dust
