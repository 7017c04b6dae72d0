// The shape functions of the standard operators, by family; shape_inference.cpp starts its table
// from these.
#pragma once

#include <map>
#include <string>

#include "firmware/compiler/ir/shape_inference.h"

namespace cimvp::ir {

std::map<std::string, ShapeFunction> elementwise_shape_functions();  // elementwise_shapes.cpp
std::map<std::string, ShapeFunction> network_shape_functions();      // network_shapes.cpp
std::map<std::string, ShapeFunction> data_shape_functions();         // data_shapes.cpp
std::map<std::string, ShapeFunction> reduction_shape_functions();    // reduction_shapes.cpp

}  // namespace cimvp::ir
