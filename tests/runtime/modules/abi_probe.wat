;; A hand-written module with the core's exports, for testing both wasm engines' trap and
;; bounds-checking paths. on_data's first input byte selects what it does:
;;   1 unreachable            2 load out of bounds          3 unbounded recursion
;;   4 grow memory until the cap, then report "module memory limit reached"
;;   5 send with ptr+len past the end of memory   6 send with ptr+len wrapping around 2^32
;;   7 log with an unknown level   8 echo the input with send   9 send with an unknown kind
(module
  (type $void (func))
  (import "trustmq" "send" (func $send (param i32 i32 i32 i32)))
  (import "trustmq" "log" (func $log (param i32 i32 i32)))
  (import "trustmq" "fatal" (func $fatal (param i32 i32)))
  (memory (export "memory") 1 4)
  (data (i32.const 16) "module memory limit reached")
  (table 1 funcref)
  (elem (i32.const 0) $recurse)

  (global $depth (mut i32) (i32.const 0))
  ;; Through the table, and with work after the call, so no compiler turns it into a loop.
  (func $recurse (type $void)
    (call_indirect (type $void) (i32.const 0))
    (global.set $depth (i32.add (global.get $depth) (i32.const 1))))

  (func (export "_initialize"))
  (func (export "input_buffer") (param $size i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $size) (i32.const 32768))
      (then (i32.const 0))
      (else (i32.const 1024))))
  (func (export "init") (param i32 i32 i64) (result i32) (i32.const 0))
  (func (export "on_open") (param i32 i32 i32 i64))
  (func (export "on_close") (param i32 i64))
  (func (export "restore") (param i32 i32 i64) (result i32) (i32.const 0))
  (func (export "on_tick") (param $now i64) (result i64)
    (i64.add (local.get $now) (i64.const 1000)))

  (func (export "on_data") (param $conn i32) (param $ptr i32) (param $len i32) (param i64)
    (local $command i32)
    (local.set $command (i32.load8_u (local.get $ptr)))
    (if (i32.eq (local.get $command) (i32.const 1)) (then (unreachable)))
    (if (i32.eq (local.get $command) (i32.const 2))
      (then (drop (i32.load (i32.const 0xfffffff0)))))
    (if (i32.eq (local.get $command) (i32.const 3)) (then (call $recurse)))
    (if (i32.eq (local.get $command) (i32.const 4))
      (then
        (block $full
          (loop $grow
            (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
            (br $grow)))
        (call $fatal (i32.const 16) (i32.const 27))
        (unreachable)))
    (if (i32.eq (local.get $command) (i32.const 5))
      (then (call $send (local.get $conn)
                  (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 10))
                  (i32.const 100) (i32.const 0))))
    (if (i32.eq (local.get $command) (i32.const 6))
      (then (call $send (local.get $conn) (i32.const 0xffffff00) (i32.const 0x200)
                  (i32.const 0))))
    (if (i32.eq (local.get $command) (i32.const 7))
      (then (call $log (i32.const 99) (i32.const 16) (i32.const 6))))
    (if (i32.eq (local.get $command) (i32.const 8))
      (then (call $send (local.get $conn) (local.get $ptr) (local.get $len) (i32.const 0))))
    (if (i32.eq (local.get $command) (i32.const 9))
      (then (call $send (local.get $conn) (local.get $ptr) (local.get $len) (i32.const 7)))))
)
