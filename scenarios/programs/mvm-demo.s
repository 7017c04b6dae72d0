; Demo firmware for scenarios/cim-mvm-program.yaml (scenarios/platforms/sram-cim-soc.yaml):
; DMA a 16x8 int8 weight tile and four 16-byte uint8 input vectors from DRAM into the buffer, write
; the tile into the CIM macro, run one MVM over the four vectors, requantize the int32 sums per
; channel to int8 on the vector unit, apply ReLU, and DMA the 32 result bytes back to DRAM.
; Addresses: DRAM 0x8000_0000, buffer 0x1000_0000.
.engines
    engine id=1 instance=dma
    engine id=2 instance=macro
    engine id=3 instance=vec
.code address=0x80000000
    dma engine=1 src=0x80010000 dst=0x10000000 row_bytes=128 rows=1 src_stride=0 dst_stride=0
    dma engine=1 src=0x80020000 dst=0x10001000 row_bytes=128 rows=1 src_stride=0 dst_stride=0
    sync engine=1
    weight_write engine=2 src=0x10000000 bytes=128 rows=16 channels=8 row_offset=0 channel_offset=0 weight_bits=8 mask=0
    mvm engine=2 input=0x10001000 input_stride=16 vectors=4 output=0x10002000 output_stride=32 row_offset=0 rows=16 channel_offset=0 channels=8 weight_bits=8 input_bits=8 input_signed=0 accumulate=0
    sync engine=2
    vrequant engine=3 src=0x10002000 dst=0x10003000 elements=32 channels=8 channel_stride=1 bias=0 multipliers=0x10001040 shifts=0x10001060 out_type=i8 out_min=-128 out_max=127
    vrelu engine=3 src=0x10003000 dst=0x10003100 elements=32 type=i8
    sync engine=3
    dma engine=1 src=0x10003100 dst=0x80030000 row_bytes=32 rows=1 src_stride=0 dst_stride=0
    barrier
    interrupt code=1
    halt
.weights address=0x80010000
    .hex 86abd0f51a3f648aafd4f91e43688eb3d8fd22476c92b7dc01264b7096bbe005
    .hex 2a4f749abfe4092e53789ec3e80d32577ca2c7ec11365b81a6cbf0153a5f85aa
    .hex cff4193e6389aed3f81d42678db2d7fc21466b91b6db00254a6f95badf04294e
    .hex 7399bee3082d52779dc2e70c31567ba1c6eb10355a7fa5caef14395e84a9cef3
.constants address=0x80020000
    .hex 03203d5a7794b1ceeb0825425f7c99b6d3f00d2a4764819ebbd8f5122f4c6986
    .hex a3c0ddfa1734516e8ba8c5e2ff1c39567390adcae704213e5b7895b2cfec0926
    .hex 0040000000420000004400000046000000480000004a0000004c0000004e0000
    .hex 1600000016000000160000001600000016000000160000001600000016000000
