/** The ONNX graph writer lives in src (the transductive GEMM kernel builds its graph in memory). */
export * from "../../../src/model/onnx-writer.js";
