# tfjs_model.sh: sourced by the shell tests of this directory.
#
# tfjs_model SHARD [ENTRIES]: prints a TF.js model.json of 11 parameters
# (44 bytes of float32) taking 3 values, whose manifest names the shard
# SHARD; ENTRIES, if given, are more manifest entries (each ending in a
# comma) listed after dense_1's.
tfjs_model() {
    cat <<EOF_MODEL
{"format": "layers-model",
 "modelTopology": {"class_name": "Sequential", "config": {"name": "m", "layers": [
   {"class_name": "Dense", "config": {"name": "dense_1", "units": 2, "batch_input_shape": [null, 3]}},
   {"class_name": "Dense", "config": {"name": "dense_2", "units": 1, "activation": "sigmoid"}}]},
  "keras_version": "tfjs-layers 4.22.0"},
 "weightsManifest": [{"paths": ["$1"], "weights": [
   {"name": "dense_1/kernel", "shape": [3, 2], "dtype": "float32"},
   {"name": "dense_1/bias", "shape": [2], "dtype": "float32"},${2:-}
   {"name": "dense_2/kernel", "shape": [2, 1], "dtype": "float32"},
   {"name": "dense_2/bias", "shape": [1], "dtype": "float32"}]}]}
EOF_MODEL
}
