;; Pillow-exact bicubic resampling passes with WebAssembly SIMD (v128).
;;
;; The two passes of `resizeBicubicJs` (resample.ts), computing the same bytes: every output
;; sample is  clamp((2^21 + sum_k pixel_k * weight_k) >> 22, 0, 255)  with 32-bit wraparound
;; arithmetic (a sum taken modulo 2^32 does not depend on the order of its terms, so lanes may
;; be summed in any order), an arithmetic shift and a saturating clamp. The coefficient tables
;; come from JS (`bicubicCoefficients`), laid out by resample-wasm.ts as described at each
;; function. All pointers are byte offsets into the exported memory; no alignment is assumed.
;;
;; Both passes may read up to 16 bytes past the last pixel they use and write up to 15 bytes past
;; the end of a row. The extra bytes read only ever meet a zero weight or land in lanes whose
;; results are overwritten, and rows are written in increasing order, so the caller only has to
;; leave 16 bytes of slack after the input and output buffers.
;;
;; Built by scripts/build-wasm.mjs (wabt) into resample-wasm.generated.ts.
(module
  (memory (export "memory") 1)

  ;; Rounding and clamping (both passes): clamp(v >> 22, 0, 255) per i32 lane is
  ;; i32x4.shr_s by 22, then i16x8.narrow_i32x4_s, whose signed saturation is exact here
  ;; (v >> 22 is within -512..511), then i8x16.narrow_i16x8_u, which maps negatives to 0 and
  ;; values above 255 to 255 -- what the Uint8ClampedArray stores do in the JS reference.

  ;; Horizontal pass: $rows rows, $outW RGB output pixels each.
  ;;   $src     first source row; rows are $srcStride bytes apart
  ;;   $starts  i32 per output pixel: byte offset in a source row of its first tap (3 * start)
  ;;   $groups  i32 per output pixel: ceil(count / 4), its number of 4-tap groups
  ;;   $weights per output pixel, $wStride bytes: per group of taps t0..t3, four i16x8 vectors
  ;;            lo(t0) lo(t1) x3 0 0 | hi(t0) hi(t1) x3 0 0 | lo(t2) lo(t3) x3 0 0 | hi(t2) hi(t3) ...
  ;;            where each weight w = hi * 2^16 + lo (mod 2^32) with lo and hi signed 16-bit
  ;;            (taps past the count have weight 0)
  ;;   $dst     output rows, $dstStride bytes apart; $dstStride must be at least 3 * $outW + 1
  ;; Four taps are 12 bytes, R0 G0 B0 R1 G1 B1 R2 G2 B2 R3 G3 B3: one unaligned 16-byte load,
  ;; swizzled into 16-bit lanes R0 R1 G0 G1 B0 B1 0 0 and R2 R3 G2 G3 B2 B3 0 0, so that
  ;; i32x4.dot_i16x8_s with the weight vectors adds same-channel products in pairs: the i32 lanes
  ;; of the accumulators are R G B 0 directly. Pixel times lo and pixel times hi are summed apart;
  ;; the sum of pixel * w is then (hi sum << 16) + lo sum, exact modulo 2^32 for any int32
  ;; weights (dot_i16x8_s itself cannot overflow here: pixels are 0..255).
  ;; Two rows go through each pixel's taps together ($a* and $b*), sharing the weight loads;
  ;; with an odd number of rows the last one is computed twice (same bytes to the same place).
  ;; Each pixel is stored as 4 bytes, R G B and junk; the junk byte lands on the next pixel,
  ;; which is stored later, or, after a row's last pixel, in the gap before the next row.
  (func (export "horizontal")
    (param $src i32) (param $srcStride i32) (param $rows i32) (param $outW i32)
    (param $starts i32) (param $groups i32) (param $weights i32) (param $wStride i32)
    (param $dst i32) (param $dstStride i32)
    (local $x i32) (local $s i32) (local $gp i32) (local $wp i32) (local $d i32)
    (local $p i32) (local $w i32) (local $g i32) (local $srcB i32) (local $dstB i32)
    (local $v v128) (local $lo01 v128) (local $hi01 v128) (local $lo23 v128) (local $hi23 v128)
    (local $t01 v128) (local $t23 v128)
    (local $aLo v128) (local $aHi v128) (local $bLo v128) (local $bHi v128)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $outW))) (then (return)))
    (loop $row
      ;; Row B is the next row, or row A again when A is the last one.
      (local.set $srcB (local.get $srcStride))
      (local.set $dstB (local.get $dstStride))
      (if (i32.eq (local.get $rows) (i32.const 1))
        (then
          (local.set $srcB (i32.const 0))
          (local.set $dstB (i32.const 0))))
      (local.set $s (local.get $starts))
      (local.set $gp (local.get $groups))
      (local.set $wp (local.get $weights))
      (local.set $d (local.get $dst))
      (local.set $x (local.get $outW))
      (loop $pixel
        (local.set $p (i32.add (local.get $src) (i32.load (local.get $s))))
        (local.set $w (local.get $wp))
        (local.set $g (i32.load (local.get $gp)))
        (local.set $aLo (v128.const i32x4 0 0 0 0))
        (local.set $aHi (local.get $aLo))
        (local.set $bLo (local.get $aLo))
        (local.set $bHi (local.get $aLo))
        (if (local.get $g)
          (then
            (loop $taps
              (local.set $lo01 (v128.load align=1 (local.get $w)))
              (local.set $hi01 (v128.load offset=16 align=1 (local.get $w)))
              (local.set $lo23 (v128.load offset=32 align=1 (local.get $w)))
              (local.set $hi23 (v128.load offset=48 align=1 (local.get $w)))
              ;; Row A. Swizzle indices >= 16 (here 0x80) give 0 bytes.
              (local.set $v (v128.load align=1 (local.get $p)))
              (local.set $t01 (i8x16.swizzle (local.get $v) (v128.const i8x16
                0 0x80 3 0x80 1 0x80 4 0x80 2 0x80 5 0x80 0x80 0x80 0x80 0x80)))
              (local.set $t23 (i8x16.swizzle (local.get $v) (v128.const i8x16
                6 0x80 9 0x80 7 0x80 10 0x80 8 0x80 11 0x80 0x80 0x80 0x80 0x80)))
              (local.set $aLo (i32x4.add (local.get $aLo) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $t01) (local.get $lo01))
                (i32x4.dot_i16x8_s (local.get $t23) (local.get $lo23)))))
              (local.set $aHi (i32x4.add (local.get $aHi) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $t01) (local.get $hi01))
                (i32x4.dot_i16x8_s (local.get $t23) (local.get $hi23)))))
              ;; Row B.
              (local.set $v (v128.load align=1 (i32.add (local.get $p) (local.get $srcB))))
              (local.set $t01 (i8x16.swizzle (local.get $v) (v128.const i8x16
                0 0x80 3 0x80 1 0x80 4 0x80 2 0x80 5 0x80 0x80 0x80 0x80 0x80)))
              (local.set $t23 (i8x16.swizzle (local.get $v) (v128.const i8x16
                6 0x80 9 0x80 7 0x80 10 0x80 8 0x80 11 0x80 0x80 0x80 0x80 0x80)))
              (local.set $bLo (i32x4.add (local.get $bLo) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $t01) (local.get $lo01))
                (i32x4.dot_i16x8_s (local.get $t23) (local.get $lo23)))))
              (local.set $bHi (i32x4.add (local.get $bHi) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $t01) (local.get $hi01))
                (i32x4.dot_i16x8_s (local.get $t23) (local.get $hi23)))))
              (local.set $p (i32.add (local.get $p) (i32.const 12)))
              (local.set $w (i32.add (local.get $w) (i32.const 64)))
              (br_if $taps (local.tee $g (i32.sub (local.get $g) (i32.const 1)))))))
        ;; Sum = 2^21 + (hi sum << 16) + lo sum; then round, clamp and pack both pixels at once
        ;; (A in bytes 0..3, B in bytes 8..11; byte 3 and 11 are junk).
        (local.set $aLo (i32x4.add
          (i32x4.add (local.get $aLo) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000))
          (i32x4.shl (local.get $aHi) (i32.const 16))))
        (local.set $bLo (i32x4.add
          (i32x4.add (local.get $bLo) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000))
          (i32x4.shl (local.get $bHi) (i32.const 16))))
        (local.set $v
          (i16x8.narrow_i32x4_s
            (i32x4.shr_s (local.get $aLo) (i32.const 22))
            (i32x4.shr_s (local.get $bLo) (i32.const 22))))
        (local.set $v (i8x16.narrow_i16x8_u (local.get $v) (local.get $v)))
        (v128.store32_lane align=1 0 (local.get $d) (local.get $v))
        (v128.store32_lane align=1 1 (i32.add (local.get $d) (local.get $dstB)) (local.get $v))
        (local.set $d (i32.add (local.get $d) (i32.const 3)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (local.set $gp (i32.add (local.get $gp) (i32.const 4)))
        (local.set $wp (i32.add (local.get $wp) (local.get $wStride)))
        (br_if $pixel (local.tee $x (i32.sub (local.get $x) (i32.const 1)))))
      (local.set $src (i32.add (local.get $src) (i32.add (local.get $srcStride) (local.get $srcB))))
      (local.set $dst (i32.add (local.get $dst) (i32.add (local.get $dstStride) (local.get $dstB))))
      (br_if $row (i32.gt_s
        (local.tee $rows (i32.sub (local.get $rows) (i32.const 2)))
        (i32.const 0)))))

  ;; Vertical pass: $outH output rows of $rowBytes bytes each, written contiguously to $dst.
  ;;   $src      source rows are $srcStride bytes apart (>= $rowBytes)
  ;;   $offsets  i32 per output row: byte offset from $src of its first tap row
  ;;   $counts   i32 per output row: number of taps
  ;;   $weights  per output row, $wStride bytes: i32 weights, one per tap
  ;; 16 bytes of a row at a time (any mix of channels: each byte is its own sample), widened to
  ;; four i32x4 accumulators, down the tap rows. The last chunk of a row may run past its end.
  (func (export "vertical")
    (param $src i32) (param $srcStride i32) (param $rowBytes i32) (param $outH i32)
    (param $offsets i32) (param $counts i32) (param $weights i32) (param $wStride i32)
    (param $dst i32)
    (local $base i32) (local $i i32) (local $n i32) (local $p i32) (local $w i32) (local $j i32)
    (local $v v128) (local $lo v128) (local $hi v128) (local $k v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (if (i32.or (i32.eqz (local.get $outH)) (i32.eqz (local.get $rowBytes))) (then (return)))
    (loop $row
      (local.set $base (i32.add (local.get $src) (i32.load (local.get $offsets))))
      (local.set $n (i32.load (local.get $counts)))
      (local.set $i (i32.const 0))
      (loop $chunk
        (local.set $p (i32.add (local.get $base) (local.get $i)))
        (local.set $w (local.get $weights))
        (local.set $j (local.get $n))
        (local.set $a0 (v128.const i32x4 0x200000 0x200000 0x200000 0x200000))
        (local.set $a1 (local.get $a0))
        (local.set $a2 (local.get $a0))
        (local.set $a3 (local.get $a0))
        (if (local.get $j)
          (then
            (loop $taps
              (local.set $v (v128.load align=1 (local.get $p)))
              (local.set $k (i32x4.splat (i32.load (local.get $w))))
              (local.set $lo (i16x8.extend_low_i8x16_u (local.get $v)))
              (local.set $hi (i16x8.extend_high_i8x16_u (local.get $v)))
              (local.set $a0 (i32x4.add (local.get $a0)
                (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $lo)) (local.get $k))))
              (local.set $a1 (i32x4.add (local.get $a1)
                (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $lo)) (local.get $k))))
              (local.set $a2 (i32x4.add (local.get $a2)
                (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $hi)) (local.get $k))))
              (local.set $a3 (i32x4.add (local.get $a3)
                (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $hi)) (local.get $k))))
              (local.set $p (i32.add (local.get $p) (local.get $srcStride)))
              (local.set $w (i32.add (local.get $w) (i32.const 4)))
              (br_if $taps (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))))
        (v128.store align=1 (i32.add (local.get $dst) (local.get $i))
          (i8x16.narrow_i16x8_u
            (i16x8.narrow_i32x4_s
              (i32x4.shr_s (local.get $a0) (i32.const 22))
              (i32x4.shr_s (local.get $a1) (i32.const 22)))
            (i16x8.narrow_i32x4_s
              (i32x4.shr_s (local.get $a2) (i32.const 22))
              (i32x4.shr_s (local.get $a3) (i32.const 22)))))
        (br_if $chunk (i32.lt_u
          (local.tee $i (i32.add (local.get $i) (i32.const 16)))
          (local.get $rowBytes))))
      (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
      (local.set $offsets (i32.add (local.get $offsets) (i32.const 4)))
      (local.set $counts (i32.add (local.get $counts) (i32.const 4)))
      (local.set $weights (i32.add (local.get $weights) (local.get $wStride)))
      (br_if $row (local.tee $outH (i32.sub (local.get $outH) (i32.const 1))))))
)
