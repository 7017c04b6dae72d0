// Where every activation tensor of a quantized network lives in DRAM, and in what layout.
//
// Tensors are stored HWC (channels innermost) with a zero border of `border` pixels on every side,
// wide enough for the largest padding of any conv that reads them. A conv then reads its padded
// input as plain strided memory, and its sliding windows need no gather. Producers write only the
// interior, and every tensor gets its own region, so the border stays zero for the whole run.
// Tensors joined by an element-wise add share one border, so the add is a single pass over the
// padded tensors (0 + 0 gives 0 in the border). Flatten, Reshape and Identity alias their input.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "firmware/compiler/ir/graph.h"
#include "firmware/isa/opcode_table.h"

namespace cimvp::backend {

struct ActivationLayout {
    std::string name;
    int64_t height = 1;
    int64_t width = 1;
    int64_t channels = 1;
    int64_t border = 0;
    isa::ElementType type = isa::ElementType::kInt8;
    uint64_t element_bytes = 1;
    uint64_t address = 0;
    // A Flatten of an HxWxC tensor with H*W > 1: the graph orders its features CHW, the memory HWC.
    bool flattened_from_spatial = false;

    int64_t padded_height() const { return height + 2 * border; }
    int64_t padded_width() const { return width + 2 * border; }
    uint64_t pixel_bytes() const { return static_cast<uint64_t>(channels) * element_bytes; }
    uint64_t row_bytes() const { return static_cast<uint64_t>(padded_width()) * pixel_bytes(); }
    uint64_t bytes() const { return static_cast<uint64_t>(padded_height()) * row_bytes(); }
    uint64_t elements() const { return bytes() / element_bytes; }
    // Address of the pixel at padded coordinates (y, x), i.e. (border, border) is the first real one.
    uint64_t pixel_address(int64_t y, int64_t x) const {
        return address + static_cast<uint64_t>(y) * row_bytes() + static_cast<uint64_t>(x) * pixel_bytes();
    }
    // Byte offset from `address` of channel c of real pixel p (p = y * width + x, as NCHW numbers it).
    uint64_t element_offset(int64_t c, int64_t p) const {
        return pixel_address(p / width + border, p % width + border) - address + static_cast<uint64_t>(c) * element_bytes;
    }
};

// Flatten, Reshape and Identity: their output is their input's storage.
bool is_alias_op(const std::string& op_type);

isa::ElementType element_type_of(ir::DataType type);
uint64_t element_bytes_of(isa::ElementType type);

class ActivationPlan {
public:
    // Lays out every graph input and node output from `base`, 64-byte aligned. Throws
    // ir::UnsupportedError for a batch other than 1 or a tensor the layout cannot hold.
    ActivationPlan(const ir::Graph& graph, uint64_t base);

    const ActivationLayout& of(const std::string& tensor) const;
    // A scratch region after the tensors (e.g. a dense result before it is copied into a border).
    uint64_t allocate(uint64_t bytes);
    uint64_t end() const { return next_; }

private:
    std::map<std::string, ActivationLayout> layouts_;
    uint64_t next_;
};

}  // namespace cimvp::backend
