// trace_format.hpp — the .dtrace file layout and its version numbers.
//
//   file header   magic "\x89DTRC\r\n\x1a", format version, minimum readable
//                 version, flags, CRC-32C of the header          (24 bytes)
//   chunks        each: a 32-byte chunk header (type, codec, stored and raw
//                 sizes, first step, step count, payload CRC, header CRC)
//                 and its payload, in this order:
//                   config     the run configuration and the program's path
//                   program    the DIR text, LZ4
//                   keyframe   the machine (cereal, versioned), LZ4      } repeated,
//                   block      summary + step deltas, LZ4                } as the run goes
//                   finish     how the run ended
//                   index      every block's offset and summary, every keyframe's offset
//   footer        index offset and size, CRC, magic "DTRCEND\n"  (24 bytes)
//
// That is a steps trace (format 3, and 1 and 2 before it). A checkpoint
// trace (format 4) records what makes the run reproducible instead of its
// steps, as rr does:
//   file header   as above, version 4
//   chunks        config, program, then
//                   checkpoint the machine's digest every so many steps   } as the run goes
//                   finish     how the run ended
// with no index and no footer (the reader scans the few chunks). Its
// reader re-executes the run once, checking every checkpoint, into a steps
// trace that it keeps in memory; every query then reads that. Only a run
// that reads nothing outside the machine (simulate mode without --fs-root)
// is recorded so; the recorder then costs the run almost nothing.
//
// Every chunk is written with one write(2) as soon as it is complete, so a
// recorder killed at any moment leaves a file readable up to its last whole
// chunk. The footer makes opening fast; without one the reader scans the
// chunks. traces/README.md keeps the history of format versions.
#pragma once

#include <cstdint>

namespace dust::rec {

// Bump kFormatVersion whenever a byte of the format changes meaning, and
// add a trace of the new version to traces/ (a test checks both).
// The newest version this build reads; its checkpoint traces are that version.
inline constexpr std::uint32_t kFormatVersion = 4;
// The version of the steps traces this build writes (Recorder), and what
// such a file declares as the oldest reader that understands it.
inline constexpr std::uint32_t kStepsFormatVersion = 3;
inline constexpr std::uint32_t kMinReadableVersion = 3;
// A checkpoint trace: the version, and its oldest reader (no steps reader
// can read it).
inline constexpr std::uint32_t kCheckpointFormatVersion = 4;
inline constexpr std::uint32_t kCheckpointMinReadableVersion = 4;
// The oldest version this build can read.
inline constexpr std::uint32_t kOldestReadableVersion = 1;

inline constexpr char kFileMagic[8] = {'\x89', 'D', 'T', 'R', 'C', '\r', '\n', '\x1a'};
inline constexpr char kFooterMagic[8] = {'D', 'T', 'R', 'C', 'E', 'N', 'D', '\n'};
inline constexpr std::uint32_t kFileHeaderSize = 24;
inline constexpr std::uint32_t kChunkHeaderSize = 32;
inline constexpr std::uint32_t kFooterSize = 24;
// No chunk is larger than this; a header that says otherwise is corrupt.
inline constexpr std::uint32_t kMaxChunkBytes = 1u << 30;
// No block holds more steps than this (the recorder keeps its block size,
// counted in replay work, at most a quarter of it): a reader decodes a
// block whole, so a file claiming more is refused rather than believed.
inline constexpr std::uint32_t kMaxBlockSteps = 1u << 18;

enum class ChunkType : std::uint8_t {
  Config = 1,
  Program = 2,
  Block = 3,
  Keyframe = 4,
  Finish = 5,
  Index = 6,
  Checkpoint = 7,  // format 4
};
const char* chunk_type_name(ChunkType type);

enum class Codec : std::uint8_t { Raw = 0, Lz4 = 1 };

struct ChunkHeader {
  ChunkType type = ChunkType::Config;
  Codec codec = Codec::Raw;
  std::uint32_t stored_bytes = 0;   // payload bytes on disk
  std::uint32_t raw_bytes = 0;      // payload bytes once decompressed
  std::uint32_t step_count = 0;     // block: steps in it
  std::uint64_t first_step = 0;     // block: its first step; keyframe: the step it is the state at
  std::uint32_t payload_crc = 0;
};

}  // namespace dust::rec
