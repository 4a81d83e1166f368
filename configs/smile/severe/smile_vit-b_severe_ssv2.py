# SEVERE, domain shift (Table 14): fine-tune on Something-Something V2
# (the SSv2 recipe of Table 17).
_base_ = ['../finetune/smile_vit-b_16x2x1_ssv2-ft.py']
