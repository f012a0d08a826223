// palette.cpp — the model's palette as ImGui colours.
#include "views/views.hpp"

namespace dust::dbg {

ImU32 color(palette::Rgb c, std::uint8_t alpha) { return IM_COL32(c.r, c.g, c.b, alpha); }

ImVec4 color_vec(palette::Rgb c, float alpha) {
  return ImVec4(static_cast<float>(c.r) / 255.0f, static_cast<float>(c.g) / 255.0f, static_cast<float>(c.b) / 255.0f,
                alpha);
}

}  // namespace dust::dbg
