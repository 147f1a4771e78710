/** The protobuf writer lives in src (the transductive GEMM kernel builds its graph in memory). */
export * from "../../../src/model/protobuf.js";
