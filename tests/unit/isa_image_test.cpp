// Program images: layout, round trip, and every decoder error with its message and byte offset.
#include <gtest/gtest.h>

#include <cstring>

#include "firmware/isa/crc32.h"
#include "firmware/isa/decode_error.h"
#include "firmware/isa/program_image.h"

using namespace cimvp::isa;

namespace {

// Offsets from docs/isa.md: the header fields and the section table.
constexpr size_t kCrcAt = 12, kSizeAt = 16, kTableAt = 24;

void put(std::vector<uint8_t>& bytes, size_t at, unsigned width, uint64_t value) {
    for (unsigned i = 0; i < width; ++i) bytes[at + i] = uint8_t(value >> (8 * i));
}

uint64_t get(const std::vector<uint8_t>& bytes, size_t at, unsigned width) {
    uint64_t value = 0;
    for (unsigned i = 0; i < width; ++i) value |= uint64_t{bytes[at + i]} << (8 * i);
    return value;
}

// After a deliberate corruption, a valid checksum lets the decoder reach the later checks.
void restamp_crc(std::vector<uint8_t>& bytes) { put(bytes, kCrcAt, 4, crc32(bytes.data() + 24, bytes.size() - 24)); }

Instruction sync(uint8_t engine) { return Instruction(Opcode::kSync).set("engine", engine); }

// Two engines, three instructions, a weights and a constants section.
ProgramImage sample() {
    ProgramImage image;
    image.engines = {{0, "dma0"}, {5, "macro0"}};
    image.code_address = 0x80000000;
    Instruction dma(Opcode::kDma);
    dma.set("src", 0x80001000).set("dst", 0x10000000).set("row_bytes", 16).set("rows", 1);
    image.code = {dma, sync(5), Instruction(Opcode::kHalt)};
    image.data.push_back({SectionType::kWeights, 0x80001000, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}});
    image.data.push_back({SectionType::kConstants, 0x80002000, {0xAA, 0xBB}});
    return image;
}

std::string decode_failure(const std::vector<uint8_t>& bytes) {
    try {
        decode_image(bytes);
    } catch (const DecodeError& error) {
        return error.what();
    }
    return "";
}

std::string encode_failure(const ProgramImage& image) {
    try {
        encode_image(image);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST(IsaImage, LayoutFollowsTheDocumentedFormat) {
    const std::vector<uint8_t> bytes = encode_image(sample());
    EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "CIMP");
    EXPECT_EQ(get(bytes, 4, 2), 1u);   // version
    EXPECT_EQ(get(bytes, 6, 2), 4u);   // sections
    EXPECT_EQ(get(bytes, 8, 4), 64u);  // instruction word bytes
    EXPECT_EQ(get(bytes, kCrcAt, 4), crc32(bytes.data() + 24, bytes.size() - 24));
    // Header 24 + table 4 x 32 = 152; engines at 192 (2 x 64), code at 320 (3 x 64), weights at 512
    // (10 bytes), constants at 576 (2 bytes): 578 bytes in all.
    const uint64_t offsets[] = {192, 320, 512, 576}, sizes[] = {128, 192, 10, 2};
    const uint64_t types[] = {1, 2, 3, 4}, addresses[] = {0, 0x80000000, 0x80001000, 0x80002000};
    for (size_t i = 0; i < 4; ++i) {
        const size_t entry = kTableAt + 32 * i;
        EXPECT_EQ(get(bytes, entry, 4), types[i]) << i;
        EXPECT_EQ(get(bytes, entry + 4, 4), 0u) << i;
        EXPECT_EQ(get(bytes, entry + 8, 8), offsets[i]) << i;
        EXPECT_EQ(get(bytes, entry + 16, 8), sizes[i]) << i;
        EXPECT_EQ(get(bytes, entry + 24, 8), addresses[i]) << i;
    }
    EXPECT_EQ(bytes.size(), 578u);
    EXPECT_EQ(get(bytes, kSizeAt, 8), 578u);
    EXPECT_EQ(bytes[256], 5);  // second engine record: id, then the NUL-padded name
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&bytes[257])), "macro0");
    EXPECT_EQ(get(bytes, 320, 2), 0x10u);  // first instruction: dma
    EXPECT_EQ(bytes[512 + 9], 10);
}

TEST(IsaImage, DecodesToTheSameImageAndReencodesToTheSameBytes) {
    const std::vector<uint8_t> bytes = encode_image(sample());
    const ProgramImage decoded = decode_image(bytes);
    EXPECT_EQ(decoded, sample());
    EXPECT_EQ(encode_image(decoded), bytes);
}

TEST(IsaImageErrors, BadMagic) {
    std::vector<uint8_t> bytes = encode_image(sample());
    bytes[0] = 'X';
    EXPECT_EQ(decode_failure(bytes),
              "byte 0x0: error: bad magic number 58 49 4d 50, not a cimvp program image (expected 43 49 4d 50, "
              "\"CIMP\")");
}

TEST(IsaImageErrors, BadVersion) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, 4, 2, 2);
    EXPECT_EQ(decode_failure(bytes), "byte 0x4: error: unsupported image version 2 (this decoder reads version 1)");
}

TEST(IsaImageErrors, BadInstructionWordSize) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, 8, 4, 128);
    EXPECT_EQ(decode_failure(bytes), "byte 0x8: error: instruction words of 128 bytes (expected 64)");
}

TEST(IsaImageErrors, BadChecksum) {
    std::vector<uint8_t> bytes = encode_image(sample());
    const uint32_t good = uint32_t(get(bytes, kCrcAt, 4));
    bytes[512] ^= 0x01;  // one flipped bit in the weights
    const uint32_t actual = crc32(bytes.data() + 24, bytes.size() - 24);
    char expected[128];
    std::snprintf(expected, sizeof expected,
                  "byte 0xc: error: checksum mismatch: the header says 0x%08x, the bytes give 0x%08x", good, actual);
    EXPECT_EQ(decode_failure(bytes), expected);
}

TEST(IsaImageErrors, TruncatedImage) {
    std::vector<uint8_t> bytes = encode_image(sample());
    EXPECT_EQ(decode_failure({bytes.begin(), bytes.begin() + 10}),
              "byte 0xa: error: truncated image: 10 bytes, the header needs 24");
    bytes.resize(500);
    EXPECT_EQ(decode_failure(bytes), "byte 0x1f4: error: truncated image: the header says 578 bytes, only 500 present");
}

TEST(IsaImageErrors, TrailingBytes) {
    std::vector<uint8_t> bytes = encode_image(sample());
    bytes.push_back(0);
    EXPECT_EQ(decode_failure(bytes), "byte 0x242: error: 1 bytes after the end of the image (578 bytes by its header)");
}

TEST(IsaImageErrors, SectionTableRunsPastTheImage) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, 6, 2, 40);  // 24 + 40 x 32 = 1304 > 578
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes),
              "byte 0x242: error: truncated image: the section table of 40 entries ends at 0x518");
}

TEST(IsaImageErrors, SectionPointsOutsideTheImage) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, kTableAt + 32 * 2 + 16, 8, 4096);  // weights size
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes),
              "byte 0x68: error: section 2 (weights) at [0x200, +4096 bytes) lies outside the image of 578 bytes");
    bytes = encode_image(sample());
    put(bytes, kTableAt + 32 * 3 + 8, 8, ~uint64_t{0});  // constants offset, would wrap
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes),
              "byte 0x80: error: section 3 (constants) at [0xffffffffffffffff, +2 bytes) lies outside the image of 578 "
              "bytes");
}

TEST(IsaImageErrors, SectionOffTheCanonicalLayout) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, kTableAt + 32 * 1 + 8, 8, 384);  // code moved one word later
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes),
              "byte 0x40: error: section 1 (code) starts at 0x180, expected 0x140 (sections follow the table in "
              "order, 64-byte aligned)");
}

TEST(IsaImageErrors, SectionOfTheWrongTypeOrWithReservedBits) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, kTableAt + 32 * 1, 4, 3);
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x38: error: section 1 has type 3, expected 2 (code)");
    bytes = encode_image(sample());
    put(bytes, kTableAt + 32 * 2, 4, 9);
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x58: error: section 2 has type 9, expected 3 (weights)");
    bytes = encode_image(sample());
    put(bytes, kTableAt + 4, 4, 1);
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x1c: error: section 0 (engines): reserved field is not 0");
}

TEST(IsaImageErrors, SectionCountSizesAndLoadAddresses) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, 6, 2, 1);
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes),
              "byte 0x6: error: 1 sections; an image has at least the engine table and the code");
    bytes = encode_image(sample());
    put(bytes, kTableAt + 24, 8, 0x1000);  // an engine table load address
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x30: error: section 0 (engines) is not loaded; its address must be 0");
    bytes = encode_image(sample());
    put(bytes, kTableAt + 32 + 16, 8, 190);  // code of 190 bytes: not whole words
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x48: error: section 1 (code) size 190 is not a multiple of 64 bytes");
    bytes = encode_image(sample());
    bytes.resize(bytes.size() + 5, 0);  // bytes that no section covers, with a header that counts them
    put(bytes, kSizeAt, 8, bytes.size());
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x242: error: 5 bytes after the last section");
}

TEST(IsaImageErrors, NonzeroPadding) {
    std::vector<uint8_t> bytes = encode_image(sample());
    bytes[521] = 9;  // the weights' last byte is data, free to change
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "");
    bytes = encode_image(sample());
    bytes[530] = 1;  // padding between the weights' end (522) and the constants (576)
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x212: error: nonzero padding byte before section 3 (constants)");
}

TEST(IsaImageErrors, UnknownOpcodeAtItsWord) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, 320 + 64, 2, 0x0077);  // second instruction
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x180: error: unknown opcode 0x0077");
}

TEST(IsaImageErrors, OutOfRangeFieldAtItsByte) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, 320 + 4 + 1 + 8 + 8 + 4, 4, 0);  // dma rows = 0
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x159: error: dma.rows = 0 is out of range [1, 4294967295]");
}

TEST(IsaImageErrors, EngineNotInTheTable) {
    std::vector<uint8_t> bytes = encode_image(sample());
    bytes[320 + 64 + 4] = 6;  // sync engine=6
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x184: error: sync: engine 6 is not in the engine table");
}

TEST(IsaImageErrors, EngineRecords) {
    std::vector<uint8_t> bytes = encode_image(sample());
    bytes[256] = 0;  // both records now bind id 0
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x100: error: engine 0: id bound twice");
    bytes = encode_image(sample());
    bytes[257 + 20] = 'x';  // a stray byte after the NUL that ends "macro0"
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x115: error: engine record: nonzero byte after the instance name");
    bytes = encode_image(sample());
    bytes[257] = ' ';
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes),
              "byte 0x100: error: engine 5: instance name ' acro0' is not 1 to 63 characters of [A-Za-z0-9_.-]");
}

TEST(IsaImageErrors, CodeMustEndWithHalt) {
    std::vector<uint8_t> bytes = encode_image(sample());
    // Overwrite the halt word with a copy of the sync before it.
    std::memmove(bytes.data() + 320 + 128, bytes.data() + 320 + 64, 64);
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes), "byte 0x1c0: error: the code does not end with halt");
}

TEST(IsaImageErrors, OverlappingLoadRanges) {
    std::vector<uint8_t> bytes = encode_image(sample());
    put(bytes, kTableAt + 32 * 3 + 24, 8, 0x80001008);  // constants onto the weights' last two bytes
    restamp_crc(bytes);
    EXPECT_EQ(decode_failure(bytes),
              "byte 0x78: error: section 3 (constants) at [0x80001008, 0x8000100a) overlaps section 2 (weights) at "
              "[0x80001000, 0x8000100a)");
}

TEST(IsaImageErrors, EncoderRefusesWhatTheDecoderWouldReject) {
    ProgramImage image = sample();
    image.code.back() = sync(0);
    EXPECT_EQ(encode_failure(image), "the code does not end with halt");
    image = sample();
    image.code.clear();
    EXPECT_EQ(encode_failure(image), "the code is empty");
    image = sample();
    image.engines[1].instance = "dma0";
    EXPECT_EQ(encode_failure(image), "engine 5: instance 'dma0' bound twice");
    image = sample();
    image.data[0].address = ~uint64_t{0} - 3;
    EXPECT_EQ(encode_failure(image), "section 2 (weights) wraps around the address space");
    image = sample();
    image.code_address = 0x80001000 - 64;  // the code's 192 bytes run into the weights
    image.data[1].address = 0;
    EXPECT_EQ(encode_failure(image),
              "section 2 (weights) at [0x80001000, 0x8000100a) overlaps section 1 (code) at [0x80000fc0, 0x80001080)");
}
