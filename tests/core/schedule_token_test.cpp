// schedule_token_test.cpp — schedule tokens (dust/schedule.hpp): text form,
// parsing of hostile text, and the non-preemptive rule they are relative to.
#include <gtest/gtest.h>

#include "dust/schedule.hpp"

using dust::ScheduleToken;

TEST(ScheduleToken, TextAndParseRoundTrip) {
  ScheduleToken t;
  t.entries = {{4, 1}, {14, 2}, {15, 0}, {1000, 26}, {1001, 701}};
  EXPECT_EQ(t.text(), "S4B.aC.1A.rdBA.1BAZ");
  std::string error;
  auto back = ScheduleToken::parse(t.text(), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, t);
  EXPECT_EQ(back->thread_at(14), 2u);
  EXPECT_FALSE(back->thread_at(13));
  EXPECT_EQ(ScheduleToken{}.text(), "S");
  ASSERT_TRUE(ScheduleToken::parse("S", error));
  EXPECT_TRUE(ScheduleToken::parse("S", error)->entries.empty());
}

TEST(ScheduleToken, BadTextIsRefusedWithWhere) {
  std::string error;
  for (const char* bad : {"", "T", "S4", "SB", "S4B.", "S4B.0C", "S4B..5C", "S4b", "S4B 5C", "Szzzzzzzzzzzzzzzz1B",
                          "S1ZZZZZZZZ"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ScheduleToken::parse(bad, error));
    EXPECT_NE(error.find("invalid schedule token at character"), std::string::npos) << error;
  }
}

TEST(ScheduleToken, TheNonPreemptiveRuleKeepsTheLastThreadThenTakesTheNext) {
  std::vector<std::uint32_t> runnable{0, 2, 3};
  EXPECT_EQ(dust::non_preemptive_choice(2, runnable), 2u);
  EXPECT_EQ(dust::non_preemptive_choice(1, runnable), 2u);
  EXPECT_EQ(dust::non_preemptive_choice(4, runnable), 0u);
  dust::TokenBuilder b;
  b.record(5, 2, runnable, 2);
  b.record(6, 2, runnable, 3);
  EXPECT_EQ(b.token().text(), "S6D");
}
