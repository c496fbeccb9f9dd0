{
  "targets": [
    {
      "target_name": "shm",
      "sources": ["native/shm.c"],
      "conditions": [["OS=='linux'", { "libraries": ["-lrt"] }]]
    }
  ]
}
