// query_json.cpp — the queries' answers as JSON (query_json.hpp).
#include "dust/recorder/query_json.hpp"

#include <nlohmann/json.hpp>

#include "dust/json_text.hpp"
#include "query_names.hpp"

namespace dust::rec {

namespace {

using nlohmann::json;

json text(std::string_view s) { return json_text_value<json>(s); }

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

json access_json(const MemoryAccess& a) {
  return json{{"step", a.step},       {"thread", a.thread}, {"frame", a.frame},
              {"access", a.write ? "write" : "read"},       {"address", a.address},
              {"bytes", a.bytes},     {"value", a.value},   {"statement", text(a.statement)},
              {"locks", a.locks}};
}

}  // namespace

std::string last_write_json(const LastWrite& a) {
  json j{{"query", "last-write"}, {"name", text(a.name)},   {"before", a.before}, {"thread", a.thread},
         {"frame", a.frame},      {"proc", text(a.proc)},   {"step", nullptr}};
  if (a.step) {
    j["step"] = *a.step;
    j["kind"] = write_kind_name(a.kind);
    j["writer_thread"] = a.writer_thread;
    j["writer_frame"] = a.writer_frame;
    j["value"] = text(a.value);
    j["statement"] = text(a.statement);
  }
  if (!a.error.empty()) j["error"] = text(a.error);
  return dump(j);
}

std::string origin_json(const Origin& o) {
  json chain = json::array();
  for (const OriginLink& l : o.chain) {
    json reads = json::array();
    for (const std::string& r : l.reads) reads.push_back(text(r));
    chain.push_back(json{{"step", l.step},
                         {"thread", l.thread},
                         {"frame", l.frame},
                         {"what", text(l.what)},
                         {"kind", link_kind_name(l.kind)},
                         {"name", text(l.name)},
                         {"value", text(l.value)},
                         {"statement", text(l.statement)},
                         {"reads", reads},
                         {"from", l.from ? json(*l.from) : json(nullptr)},
                         {"distance", l.distance}});
  }
  json j{{"query", "origin"}, {"name", text(o.name)}, {"at", o.at},          {"thread", o.thread},
         {"frame", o.frame},  {"chain", chain},       {"complete", o.complete}};
  if (!o.complete && !o.cut.empty()) j["cut"] = text(o.cut);
  if (!o.error.empty()) j["error"] = text(o.error);
  return dump(j);
}

std::string memory_history_json(const MemoryHistory& h) {
  json accesses = json::array();
  for (const MemoryAccess& a : h.accesses) accesses.push_back(access_json(a));
  json races = json::array();
  for (const DataRace& r : h.races) {
    races.push_back(json{{"address", r.address}, {"first", access_json(r.first)}, {"second", access_json(r.second)}});
  }
  json out{{"query", "accesses"}, {"address", h.address}, {"end", h.end},       {"from", h.from},
            {"to", h.to},          {"accesses", accesses},  {"races", races}};
  if (!h.stopped.empty()) out["stopped"] = h.stopped;
  return dump(out);
}

}  // namespace dust::rec
